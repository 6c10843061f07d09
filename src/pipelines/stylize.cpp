#include "nst/stylize.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "nst/checkpoint.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/memory_plan.h"
#include "nst/runtime.h"
#include "pipelines/run_harness.h"
#include "objective/style_objective.h"

namespace nst {
namespace {

// Where stage 0 (or 1: --bounds polish's boxed end) of a scale lies in the run's numbering:
// it runs iterations first + 1 .. last.
struct StagePlan {
  int first = 0, last = 0;
  int length() const { return last - first; }
};

StagePlan stage_plan(const StyleOptions& o, int scale, int stage) {
  int first = 0;
  for (int t = 0; t < scale; ++t) first += scale_iterations(o, t);
  const int iterations = scale_iterations(o, scale);
  const int polish = scale + 1 == o.scales && o.bounds == BoundsMethod::kPolish
                         ? static_cast<int>(std::lround(iterations * o.polish_fraction))
                         : 0;
  return stage == 0 ? StagePlan{first, first + iterations - polish} : StagePlan{first + iterations - polish, first + iterations};
}

// A checkpoint fits this run: same configuration (fingerprint), and its position lies where this
// run's plan (--iterations counts the whole run) has the same scale and stage.
void check_resume(const StyleCheckpoint& c, const Fingerprint& fingerprint, const StyleOptions& o, int height,
                  int width, const std::string& name) {
  check_fingerprint(c.fingerprint, fingerprint, name);
  const int total = total_iterations(o);
  NST_CHECK(c.iteration <= total, kUsage,
            name + " has done " + std::to_string(c.iteration) + " iterations, more than the " + std::to_string(total) +
                " of this run (--iterations counts the whole run)");
  NST_CHECK(c.scale >= 0 && c.scale < o.scales && (c.stage == 0 || c.stage == 1), kFormat,
            name + " is damaged: scale " + std::to_string(c.scale) + ", stage " + std::to_string(c.stage));
  const StagePlan plan = stage_plan(o, c.scale, c.stage);
  NST_CHECK(plan.first <= c.iteration && c.iteration <= plan.last, kUsage,
            name + " stopped at iteration " + std::to_string(c.iteration) + (o.scales > 1 ? " of scale " + std::to_string(c.scale + 1) : "") +
                (c.stage == 1 ? " (boxed polish)" : "") + ", which this run's --iterations places elsewhere (that part is " +
                std::to_string(plan.first + 1) + ".." + std::to_string(plan.last) + " here)");
  const auto [h, w] = scale_size(height, width, c.scale, o);
  NST_CHECK(c.image.size(2) == h && c.image.size(3) == w, kFormat,
            name + " is damaged: its image is " + std::to_string(c.image.size(3)) + "x" + std::to_string(c.image.size(2)) +
                ", the run is at " + std::to_string(w) + "x" + std::to_string(h));
}

at::Tensor initial_image(const at::Tensor& content, const std::vector<at::Tensor>& styles, const StyleOptions& o) {
  const int h = static_cast<int>(content.size(2)), w = static_cast<int>(content.size(3));
  switch (o.init) {
    case InitKind::kNoise:
      return detail::noise_image(h, w, o.seed);
    case InitKind::kContent:
      return content.clone();
    case InitKind::kStyle:
      return resize_image(styles.at(0), h, w).clone();
    case InitKind::kImage:
      return resize_image(o.init_image.to(at::kCPU, at::kFloat), h, w).clone();
  }
  return content.clone();
}

StyleResult run_style_unguarded(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& given_styles,
                                const StyleOptions& options, const ProgressCallback& progress,
                                StyleFeatureCache* style_features, const StyleCheckpointing& checkpointing) {
  std::vector<at::Tensor> styles;
  for (const auto& style : given_styles) styles.push_back(options.trim_style_borders ? trim_uniform_border(style) : style);
  const at::Device device(options.device);
  std::vector<std::string> layers = options.content_layers;
  layers.insert(layers.end(), options.style_layers.begin(), options.style_layers.end());
  check_layer_names(weights.arch, layers);
  check_style_image_sizes(weights, options, content, styles);
  const int height = static_cast<int>(content.size(2)), width = static_cast<int>(content.size(3));
  const StyleCheckpoint* resume = checkpointing.resume;
  const Fingerprint fingerprint = resume || checkpointing.write ? style_fingerprint(weights, content, given_styles, options)
                                                                : Fingerprint{};
  if (resume) check_resume(*resume, fingerprint, options, height, width, checkpointing.resume_name);
  const FeatureNet net = detail::make_run_network(weights, options, layers);
  auto optimizer = make_optimizer(detail::run_optimizer_options(options, options.bounds == BoundsMethod::kBox));

  detail::RunDriver run(options, height, width);
  at::Tensor x;
  // The run's position, for checkpoints: the scale and stage being optimized and the state after
  // the last completed iteration (a resumed run's until it takes a step).
  int scale = 0, stage = 0;
  int done = resume ? resume->iteration : 0, evaluations = resume ? resume->evaluations : 0;
  double seconds = resume ? resume->seconds : 0;
  int flat = resume ? resume->flat_iterations : 0;
  double previous = resume ? resume->previous_loss : std::numeric_limits<double>::infinity();
  auto take_checkpoint = [&] {
    StyleCheckpoint c;
    c.scale = scale;
    c.stage = stage;
    c.iteration = done;
    c.evaluations = evaluations;
    c.seconds = seconds;
    c.flat_iterations = flat;
    c.previous_loss = previous;
    c.image = x;
    c.optimizer = optimizer->state();
    c.fingerprint = fingerprint;
    checkpointing.write(c);
  };
  if (checkpointing.write && checkpointing.every > 0) {
    run.set_after_iteration([&](const IterationReport& r, int flat_now, double previous_now) {
      if (r.iteration % checkpointing.every != 0) return;
      done = r.iteration;
      evaluations = r.total_evaluations;
      seconds = r.seconds;
      flat = flat_now;
      previous = previous_now;
      take_checkpoint();
    });
  }
  // One call of the loop at the current scale and stage; a resumed one starts where `resume` stopped.
  auto optimize = [&](const Objective& objective, const detail::PartsGetter& parts, int iterations,
                      const detail::StepHook& hook) {
    if (resume && scale == resume->scale && stage == resume->stage) {
      optimizer->load_state(resume->optimizer, device);
      run.resume(scale, resume->iteration, resume->evaluations, resume->seconds, resume->flat_iterations,
                 resume->previous_loss);
      iterations = stage_plan(options, scale, stage).last - resume->iteration;
    }
    const detail::LoopResult loop = run.optimize(scale, *optimizer, x, objective, parts, iterations, progress, hook);
    if (loop.last.iteration > 0) {
      done = loop.last.iteration;
      evaluations = loop.last.total_evaluations;
      seconds = loop.last.seconds;
    }
    flat = loop.flat;
    previous = loop.previous;
  };

  for (int s = resume ? resume->scale : 0; s < run.scales() && !run.stopped(); ++s) {
    scale = s;
    stage = 0;
    const bool resuming = resume && s == resume->scale;
    const bool finest = run.finest(s);
    const auto [h, w] = run.size(s);
    // Style images shrink with the content, so the brush strokes keep their size relative to it.
    const double ratio = static_cast<double>(h) / height;
    const at::Tensor content_s = finest ? content : resize_image(content, h, w);
    std::vector<at::Tensor> styles_dev;
    for (const auto& style : styles) {
      const at::Tensor st = finest ? style
                                   : resize_image(style, std::max(1, static_cast<int>(std::lround(style.size(2) * ratio))),
                                                  std::max(1, static_cast<int>(std::lround(style.size(3) * ratio))));
      styles_dev.push_back(st.to(device, at::kFloat));
    }
    // One objective per scale (targets depend on the size); tiled when options.tile_size > 0.
    detail::StyleObjective scale_objective(net, content_s.to(device, at::kFloat), styles_dev, options, style_features);
    const Objective objective = [&](const at::Tensor& v, at::Tensor& g) { return scale_objective(v, g); };
    const detail::PartsGetter parts = [&] { return scale_objective.parts(); };
    // The first scale starts from the init; the others from the previous result upsampled,
    // with a fresh optimizer history (the old pairs describe another image size). A resumed
    // scale starts from the checkpoint's iterate (a copy: the loop edits x in place).
    x = resuming ? resume->image.to(device, at::kFloat, false, /*copy=*/true).contiguous()
                 : (s == 0 ? initial_image(content_s, styles, options) : resize_image(x.to(at::kCPU), h, w))
                       .to(device)
                       .contiguous();
    optimizer->reset();
    const bool redraws = options.style_loss == StyleLoss::kSlicedWasserstein && options.sliced_redraw_every > 0;
    int scale_iteration = resuming ? resume->iteration - stage_plan(options, s, 0).first : 0;
    if (redraws && scale_iteration >= options.sliced_redraw_every) {  // the directions the run had reached
      scale_objective.redraw_directions(static_cast<uint64_t>(scale_iteration / options.sliced_redraw_every));
    }
    const detail::StepHook redraw = [&](StepResult& step, at::Tensor& xs, std::string&) {
      // Sliced Wasserstein with redraws: new directions change f, so the optimizer's history
      // and its cached f and gradient are stale: restart it, at f(x) under the new directions.
      if (redraws && ++scale_iteration % options.sliced_redraw_every == 0 && step.ok) {
        scale_objective.redraw_directions(static_cast<uint64_t>(scale_iteration / options.sliced_redraw_every));
        optimizer->reset();
        at::Tensor g;
        step.loss = scale_objective(xs, g);
      }
      return true;
    };
    // kPolish: the final scale's last iterations run boxed, from the clamped iterate, with a
    // fresh (bounded) optimizer; the unbounded history describes another problem.
    const int polish = stage_plan(options, s, 1).length();
    if (!(resuming && resume->stage == 1)) optimize(objective, parts, run.iterations(s) - polish, redraw);
    if (polish > 0 && !run.stopped()) {
      stage = 1;
      if (!(resuming && resume->stage == 1)) x.clamp_(0.0, 1.0);
      optimizer = make_optimizer(detail::run_optimizer_options(options, true));
      optimize(objective, parts, polish, redraw);
    }
  }
  if (checkpointing.write && x.defined()) take_checkpoint();  // on abort, failure or at the end
  StyleResult result;
  run.finish(x, result);
  return result;
}

// What fits when a run ran out of memory: on the CPU, the memory model's largest size for the
// memory available now; elsewhere (no calibrated model) the usual savers.
std::string out_of_memory_advice(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                                 const StyleOptions& options) {
  const std::string savers = "--tile-size 512, --history-precision float16";
  if (at::Device(options.device).is_cpu()) {
    try {
      MemoryPlanInput in = memory_plan_input(options, weights.arch, weights.padding);
      in.height = static_cast<int>(content.size(2));
      in.width = static_cast<int>(content.size(3));
      for (const auto& s : styles) in.styles.emplace_back(static_cast<int>(s.size(2)), static_cast<int>(s.size(3)));
      const int fits = largest_fitting_side(in, available_memory_bytes());
      if (fits > 0) return "; with the memory available now the largest side that fits is " + std::to_string(fits) +
                           " px (nst plan; or " + savers + ")";
    } catch (...) {
      // No size to name: the plain advice below.
    }
  }
  return "; try a smaller --size, " + savers;
}

}  // namespace

void check_style_resume(const StyleCheckpoint& checkpoint, const VggWeights& weights, const at::Tensor& content,
                        const std::vector<at::Tensor>& styles, const StyleOptions& options, const std::string& name) {
  check_resume(checkpoint, style_fingerprint(weights, content, styles, options), options,
               static_cast<int>(content.size(2)), static_cast<int>(content.size(3)), name);
}

StyleResult run_style(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                      const StyleOptions& options, const ProgressCallback& progress, StyleFeatureCache* style_features) {
  return run_style(weights, content, styles, options, progress, style_features, StyleCheckpointing{});
}

StyleResult run_style(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                      const StyleOptions& options, const ProgressCallback& progress, StyleFeatureCache* style_features,
                      const StyleCheckpointing& checkpointing) {
  check_style_options(options, styles.size());
  try {
    return run_style_unguarded(weights, content, styles, options, progress, style_features, checkpointing);
  } catch (...) {
    const std::string size = std::to_string(content.size(3)) + "x" + std::to_string(content.size(2));
    detail::rethrow_as_nst_error("a " + size + " px style run", out_of_memory_advice(weights, content, styles, options));
  }
}

}  // namespace nst
