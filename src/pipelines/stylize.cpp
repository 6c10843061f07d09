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
#include "pipelines/style_objective.h"
#include "pipelines/tiled_style_objective.h"

namespace nst {
namespace {

// Style weights of the non-Gram losses (README, "Style losses"). Embedded: measured by
// bench/bench_style_loss: the weight that gives the style term at the content init the value
// Gram's has at 1e7 (geometric mean over chelsea+starry_night and astronaut+shipwreck at 128 px:
// 3221 and 3584; matching the gradient norm instead gives 3652 and 3814). Trained weights: not
// measured (no trained VGG on the machine that tuned them): crowsonkb's tuned W2 balance,
// style 1 : content 0.015, at our trained content weight 5, rounded; the same for sliced.
constexpr double kEmbeddedMeanCovWeight = 3200;
constexpr double kEmbeddedSlicedWeight = 3600;
constexpr double kTrainedMeanCovWeight = 300;
constexpr double kTrainedSlicedWeight = 300;

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

}  // namespace

void check_style_image_sizes(const VggWeights& weights, const StyleOptions& options, const at::Tensor& content,
                             const std::vector<at::Tensor>& styles) {
  int64_t min_side = 1;
  for (const auto* names : {&options.content_layers, &options.style_layers}) {
    for (const auto& name : *names) min_side = std::max<int64_t>(min_side, min_image_side(name, weights.padding));
  }
  const double coarsest = std::pow(options.scale_factor, -(options.scales - 1));
  const std::string where = options.scales > 1 ? " at the coarsest of " + std::to_string(options.scales) + " scales" : "";
  auto check = [&](const at::Tensor& image, const std::string& what) {
    const auto h = static_cast<int64_t>(std::lround(image.size(2) * coarsest));
    const auto w = static_cast<int64_t>(std::lround(image.size(3) * coarsest));
    NST_CHECK(std::min(h, w) >= min_side, kUsage,
              what + " is " + std::to_string(w) + "x" + std::to_string(h) + " px" + where +
                  ", too small for the requested layers: the shorter side needs at least " +
                  std::to_string(min_side) + " px");
  };
  check(content, "the content image");
  for (const auto& s : styles) check(s, "a style image");
  for (size_t i = 0; i < options.style_masks.size(); ++i) {
    const at::Tensor& m = options.style_masks[i];
    NST_CHECK(m.size(2) == content.size(2) && m.size(3) == content.size(3), kUsage,
              "style mask " + std::to_string(i + 1) + " is " + std::to_string(m.size(3)) + "x" +
                  std::to_string(m.size(2)) + " px, the content " + std::to_string(content.size(3)) + "x" +
                  std::to_string(content.size(2)) + ": a mask must have the content's size");
  }
}

namespace {

void check_style_masks(const StyleOptions& o, size_t style_count) {
  if (o.style_masks.empty()) return;
  NST_CHECK(o.style_masks.size() == style_count, kUsage,
            std::to_string(o.style_masks.size()) + " style masks for " + std::to_string(style_count) +
                " style images: give one --style-mask per --style, in order");
  NST_CHECK(o.style_loss != StyleLoss::kSlicedWasserstein, kUsage,
            "--style-mask works with --style-loss gram or mean-cov, not sliced-wasserstein");
  NST_CHECK(o.tile_size == 0, kUsage, "--style-mask cannot be tiled: drop --tile-size");
  for (size_t i = 0; i < o.style_masks.size(); ++i) {
    const at::Tensor& m = o.style_masks[i];
    const std::string which = "style mask " + std::to_string(i + 1);
    NST_CHECK(m.defined() && m.dim() == 4 && m.size(0) == 1 && m.size(1) == 1 && m.numel() > 0, kUsage,
              which + " must be a 1x1xHxW tensor");
    NST_CHECK(m.size(2) == o.style_masks[0].size(2) && m.size(3) == o.style_masks[0].size(3), kUsage,
              which + " has another size than style mask 1");
    const at::Tensor finite = m.detach().to(at::kCPU, at::kDouble);
    NST_CHECK(finite.isfinite().all().item<bool>() && finite.min().item<double>() >= 0 &&
                  finite.max().item<double>() <= 1,
              kUsage, which + " must hold values in [0, 1]");
    NST_CHECK(finite.max().item<double>() > 0, kUsage, which + " is empty (all black): its style has no region");
  }
}

}  // namespace

void check_style_options(const StyleOptions& o, size_t style_count) {
  check_run_options(o);
  auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
  NST_CHECK(finite_nonneg(o.content_weight), kUsage, "--content-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.style_weight), kUsage, "--style-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.tv_weight), kUsage, "--tv-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.range_weight), kUsage, "--range-weight must be a finite number >= 0");
  NST_CHECK(o.polish_fraction >= 0 && o.polish_fraction <= 1, kUsage, "--polish-fraction must be in [0, 1]");
  for (double w : o.style_layer_weights) NST_CHECK(finite_nonneg(w), kUsage, "style layer weights must be >= 0");
  NST_CHECK(o.tile_size >= 0 && o.tile_size <= 1 << 20, kUsage, "--tile-size must be >= 0 px");
  NST_CHECK(o.style_loss != StyleLoss::kSlicedWasserstein || o.tile_size == 0, kUsage,
            "--style-loss sliced-wasserstein sorts whole-image projections and cannot be tiled: drop --tile-size");
  NST_CHECK(o.sliced_directions >= 0 && o.sliced_redraw_every >= 0, kUsage,
            "sliced-Wasserstein directions and redraw interval must be >= 0");
  for (const TemporalTarget& t : o.temporal) {
    NST_CHECK(t.image.defined() && t.mask.defined() && std::isfinite(t.weight) && t.weight >= 0, kUsage,
              "a temporal target needs an image, a mask and a weight >= 0");
  }
  NST_CHECK(style_count > 0 || o.style_weight == 0, kUsage, "style transfer needs at least one style image");
  NST_CHECK(o.init != InitKind::kImage || o.init_image.defined(), kUsage, "init image missing");
  NST_CHECK(o.style_blend.empty() || o.style_blend.size() == style_count, kUsage,
            "--style-blend has " + std::to_string(o.style_blend.size()) + " weights for " +
                std::to_string(style_count) + " style images");
  NST_CHECK(o.style_layer_weights.empty() || o.style_layer_weights.size() == o.style_layers.size(), kUsage,
            "--style-layer-weights has " + std::to_string(o.style_layer_weights.size()) + " values for " +
                std::to_string(o.style_layers.size()) + " style layers");
  check_style_masks(o, style_count);
}

namespace {

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

}  // namespace

StyleOptions trained_vgg_style_defaults() {
  StyleOptions o;
  o.content_weight = 5.0;
  o.style_weight = 100.0;
  o.tv_weight = 1e-3;
  o.content_layers = {"relu4_2"};
  o.init = InitKind::kNoise;
  o.pooling = Pooling::kMax;
  return o;
}

bool parse_init_keyword(const std::string& text, InitKind* init) {
  if (text == "noise" || text == "random") *init = InitKind::kNoise;
  else if (text == "content" || text == "image") *init = InitKind::kContent;
  else if (text == "style") *init = InitKind::kStyle;
  else return false;
  return true;
}

std::string to_string(InitKind init) {
  switch (init) {
    case InitKind::kNoise: return "noise";
    case InitKind::kContent: return "content";
    case InitKind::kStyle: return "style";
    case InitKind::kImage: return "image";
  }
  return "?";
}

InitKind parse_init(const std::string& text, StyleOptions& options) {
  InitKind init;
  if (parse_init_keyword(text, &init)) return init;
  options.init_image = read_image(text);  // a file
  return InitKind::kImage;
}

StyleLoss parse_style_loss(const std::string& name) {
  if (name == "gram") return StyleLoss::kGram;
  if (name == "mean-cov" || name == "w2") return StyleLoss::kMeanCov;
  if (name == "sliced-wasserstein" || name == "sw") return StyleLoss::kSlicedWasserstein;
  fail(ErrorKind::kUsage, "--style-loss must be gram, mean-cov or sliced-wasserstein, got '" + name + "'");
}

std::string to_string(StyleLoss loss) {
  switch (loss) {
    case StyleLoss::kGram: return "gram";
    case StyleLoss::kMeanCov: return "mean-cov";
    case StyleLoss::kSlicedWasserstein: return "sliced-wasserstein";
  }
  return "?";
}

double default_style_weight(StyleLoss loss, bool trained_weights) {
  const double gram = trained_weights ? trained_vgg_style_defaults().style_weight : StyleOptions{}.style_weight;
  switch (loss) {
    case StyleLoss::kGram: return gram;
    case StyleLoss::kMeanCov: return trained_weights ? kTrainedMeanCovWeight : kEmbeddedMeanCovWeight;
    case StyleLoss::kSlicedWasserstein: return trained_weights ? kTrainedSlicedWeight : kEmbeddedSlicedWeight;
  }
  return gram;
}

namespace {

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
    // One objective per scale (targets depend on the size); tiled when asked.
    std::unique_ptr<detail::StyleObjective> whole;
    std::unique_ptr<detail::TiledStyleObjective> tiled;
    if (options.tile_size > 0) {
      tiled = std::make_unique<detail::TiledStyleObjective>(net, content_s.to(device, at::kFloat), styles_dev, options);
    } else {
      whole = std::make_unique<detail::StyleObjective>(net, content_s.to(device, at::kFloat), styles_dev, options,
                                                       style_features);
    }
    const Objective objective = [&](const at::Tensor& v, at::Tensor& g) { return tiled ? (*tiled)(v, g) : (*whole)(v, g); };
    const detail::PartsGetter parts = [&] { return tiled ? tiled->parts() : whole->parts(); };
    // The first scale starts from the init; the others from the previous result upsampled,
    // with a fresh optimizer history (the old pairs describe another image size). A resumed
    // scale starts from the checkpoint's iterate (a copy: the loop edits x in place).
    x = resuming ? resume->image.to(device, at::kFloat, false, /*copy=*/true).contiguous()
                 : (s == 0 ? initial_image(content_s, styles, options) : resize_image(x.to(at::kCPU), h, w))
                       .to(device)
                       .contiguous();
    optimizer->reset();
    const bool redraws = whole && options.style_loss == StyleLoss::kSlicedWasserstein && options.sliced_redraw_every > 0;
    int scale_iteration = resuming ? resume->iteration - stage_plan(options, s, 0).first : 0;
    if (redraws && scale_iteration >= options.sliced_redraw_every) {  // the directions the run had reached
      whole->redraw_directions(static_cast<uint64_t>(scale_iteration / options.sliced_redraw_every));
    }
    const detail::StepHook redraw = [&](StepResult& step, at::Tensor& xs, std::string&) {
      // Sliced Wasserstein with redraws: new directions change f, so the optimizer's history
      // and its cached f and gradient are stale: restart it, at f(x) under the new directions.
      if (redraws && ++scale_iteration % options.sliced_redraw_every == 0 && step.ok) {
        whole->redraw_directions(static_cast<uint64_t>(scale_iteration / options.sliced_redraw_every));
        optimizer->reset();
        at::Tensor g;
        step.loss = (*whole)(xs, g);
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

at::Tensor transfer_original_colors(const at::Tensor& content, const at::Tensor& stylized) {
  // YUV (BT.601): luminance from the stylized image, chroma from the content.
  auto to_yuv = [](const at::Tensor& rgb) {
    at::Tensor r = rgb.select(1, 0), g = rgb.select(1, 1), b = rgb.select(1, 2);
    at::Tensor y = 0.299 * r + 0.587 * g + 0.114 * b;
    return at::stack({y, -0.14713 * r - 0.28886 * g + 0.436 * b, 0.615 * r - 0.51499 * g - 0.10001 * b}, 1);
  };
  at::Tensor c = resize_image(content.to(stylized.device(), at::kFloat), static_cast<int>(stylized.size(2)),
                              static_cast<int>(stylized.size(3)));
  at::Tensor yuv = at::cat({to_yuv(stylized).narrow(1, 0, 1), to_yuv(c).narrow(1, 1, 2)}, 1);
  at::Tensor y = yuv.select(1, 0), u = yuv.select(1, 1), v = yuv.select(1, 2);
  return at::stack({y + 1.13983 * v, y - 0.39465 * u - 0.58060 * v, y + 2.03211 * u}, 1).clamp(0.0, 1.0);
}

}  // namespace nst
