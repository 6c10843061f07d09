// bench_style: seconds per iteration of the real style-transfer step (VGG19 forward to relu5_1,
// content + Gram style + TV losses, gradient w.r.t. the image) against the bare network
// (forward to relu5_1 + input gradient; forward only), on CPU. See bench/README.md.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <malloc.h>
#include <sys/resource.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "objective/style_objective.h"  // nst::detail::StyleObjective: the pipeline's objective
#include "nst/losses.h"
#include "nst/network.h"
#include "nst/optim.h"
#include "nst/preprocess.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"

#include "bench_cli.h"
#include "bench_common.h"

namespace {

using namespace nst::bench;  // machine facts, medians, number formatting

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Args {
  std::vector<int> sizes{256, 512};
  int reps = 5;
  int warmup = 1;
  int threads = 0;
  int lbfgs_iters = 5;
  bool channels_last = true;
  bool zero_padding = false;  // trained VGGs pad with zeros; the embedded net reflects
  bool bfloat16 = true;       // the full_bf16 variant
  std::string json_path = "bench_style.json";
  std::string markdown_path;  // empty: stdout only
};

Args parse_args(int argc, char** argv) {
  CLI::App app{"Seconds per iteration of the real style-transfer step against the bare network", "bench_style"};
  Args a;
  keep_last_values(app);
  add_list(app, "--sizes", a.sizes, "Square sizes in px (>= 32: relu5_1 needs four poolings)")
      ->check(CLI::Range(32, 1 << 16));
  app.add_option("--reps", a.reps, "Timed repetitions")->check(at_least(1))->capture_default_str();
  app.add_option("--warmup", a.warmup, "Untimed repetitions first")->check(at_least(0))->capture_default_str();
  add_threads(app, a.threads);
  app.add_option("--lbfgs-iters", a.lbfgs_iters, "Consecutive L-BFGS iterations timed (0: skip)")
      ->check(at_least(0))
      ->capture_default_str();
  app.add_flag_callback("--no-channels-last", [&a] { a.channels_last = false; }, "Keep the NCHW memory format");
  app.add_flag_callback("--no-bfloat16", [&a] { a.bfloat16 = false; }, "Skip the full_bf16 variant");
  app.add_flag("--zero-padding", a.zero_padding, "Pad with zeros, as trained VGGs do (the embedded net reflects)");
  add_json(app, a.json_path);
  add_markdown(app, a.markdown_path);
  parse_or_exit(app, argc, argv);
  if (a.sizes.empty()) usage_error("bench_style", "--sizes needs at least one size");
  return a;
}

// ---- system facts -------------------------------------------------------------------------

double maxrss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // kB on Linux
}

// ---- measurement --------------------------------------------------------------------------

struct Measurement {
  int size = 0;
  std::string variant;
  double flops_per_eval = 0;     // conv FLOPs (2 x MACs) of one evaluation
  std::vector<double> seconds;   // per repetition
  std::vector<int> evaluations;  // objective evaluations per repetition (1 except lbfgs)
  double peak_rss_mib = -1;      // VmHWM during this phase (-1: counter could not be reset)
  double median = 0, min = 0, max = 0;
  double gflops = 0;
  double median_evals = 1;
};

/// Runs fn warmup times untimed, then reps times timed. fn returns the objective evaluations it spent.
/// Before the phase the heap is trimmed and the peak-RSS counter reset, so the phase's peak is its own.
Measurement measure(int size, const std::string& variant, double flops_per_eval, int warmup, int reps,
                    const std::function<int()>& fn) {
  Measurement m;
  m.size = size;
  m.variant = variant;
  m.flops_per_eval = flops_per_eval;
  malloc_trim(0);
  const bool reset = reset_peak_rss();
  for (int i = 0; i < warmup; ++i) fn();
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    const int evals = fn();
    m.seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    m.evaluations.push_back(evals);
  }
  if (reset) m.peak_rss_mib = status_mib("VmHWM:");
  m.median = median_of(m.seconds);
  m.min = *std::min_element(m.seconds.begin(), m.seconds.end());
  m.max = *std::max_element(m.seconds.begin(), m.seconds.end());
  m.median_evals = median_of(std::vector<double>(m.evaluations.begin(), m.evaluations.end()));
  m.gflops = flops_per_eval * m.median_evals / m.median / 1e9;
  std::cerr << "  " << size << " px " << std::left << std::setw(8) << variant << " median " << std::fixed
            << std::setprecision(3) << m.median << " s\n";
  return m;
}

// REFERENCE.md section 2 (2 threads, OpenBLAS + mallopt): forward, forward + input gradient,
// and forward + input gradient + Gram losses.
double reference_seconds(int size, const std::string& variant) {
  static const std::map<std::pair<int, std::string>, double> ref = {
      {{256, "forward"}, 0.15}, {{512, "forward"}, 0.58}, {{256, "bare"}, 0.35},
      {{512, "bare"}, 1.23},    {{256, "full"}, 0.36},    {{512, "full"}, 1.40}};
  auto it = ref.find({size, variant});
  return it == ref.end() ? 0 : it->second;
}

/// The bare network's forward to relu5_1 with the same ops as src/models/vgg.cpp, on weights and
/// activations in the given memory format (FeatureNet keeps its weights NCHW-contiguous).
at::Tensor forward_in_format(const at::Tensor& image, const nst::VggWeights& w, nst::Pooling pooling,
                             at::MemoryFormat format) {
  at::Tensor x = nst::preprocess(image, w.preprocess).contiguous(format);
  const std::vector<int> convs_per_block = {2, 2, 4, 4, 1};  // VGG19 up to conv5_1
  size_t k = 0;
  for (size_t block = 0; block < convs_per_block.size(); ++block) {
    for (int c = 0; c < convs_per_block[block]; ++c, ++k) {
      x = w.padding == nst::Padding::kReflect ? at::conv2d(at::reflection_pad2d(x, {1, 1, 1, 1}), w.weights[k], w.biases[k])
                                              : at::conv2d(x, w.weights[k], w.biases[k], 1, 1);
      x = at::relu_(x);
    }
    if (block + 1 < convs_per_block.size()) {
      x = pooling == nst::Pooling::kMax ? at::max_pool2d(x, {2, 2}, {2, 2}) : at::avg_pool2d(x, {2, 2}, {2, 2});
    }
  }
  return x;
}

std::string sci(double v) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(1) << v;
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const int threads = nst::configure_runtime(args.threads);
  at::manual_seed(0);

  const nst::StyleOptions options;  // the pipeline's defaults: content relu3_1, style relu1_1..relu5_1
  std::vector<std::string> layers = options.content_layers;
  layers.insert(layers.end(), options.style_layers.begin(), options.style_layers.end());
  nst::VggWeights weights = nst::make_embedded_vgg();
  if (args.zero_padding) weights.padding = nst::Padding::kZeros;
  const nst::FeatureNet full_net(weights, options.pooling, layers);
  const nst::FeatureNet bare_net(weights, options.pooling, {"relu5_1"});
  nst::VggWeights weights_cl = bare_net.weights();  // for the channels-last variant
  for (auto& k : weights_cl.weights) k = k.contiguous(at::MemoryFormat::ChannelsLast);

  std::vector<Measurement> results;
  json sizes_json = json::array();
  double overall_peak = 0;
  for (int size : args.sizes) {
    std::cerr << "size " << size << " px\n";
    const double macs = bare_net.forward_macs(size, size);
    const double fwd_flops = 2 * macs, fwd_bwd_flops = 4 * macs;  // input gradient: one more conv pass
    const at::Tensor content = at::rand({1, 3, size, size});
    const at::Tensor style = at::rand({1, 3, size, size});
    auto bare_step = [&](const at::Tensor& input) {
      at::Tensor image = input.detach().requires_grad_(true);
      at::Tensor out = bare_net.forward(image).at("relu5_1");
      torch::autograd::grad({out.sum()}, {image});
    };

    std::vector<Measurement> rows;
    rows.push_back(measure(size, "forward", fwd_flops, args.warmup, args.reps, [&] {
      at::NoGradGuard no_grad;
      bare_net.forward(content);
      return 1;
    }));
    rows.push_back(measure(size, "bare", fwd_bwd_flops, args.warmup, args.reps, [&] {
      bare_step(content);
      return 1;
    }));
    bool cl_output = false, cl_gradient = false;
    double cl_max_diff = -1;
    if (args.channels_last) {
      const at::Tensor content_cl = content.contiguous(at::MemoryFormat::ChannelsLast);
      {  // same result as the library's forward?
        at::NoGradGuard no_grad;
        const at::Tensor ref = bare_net.forward(content).at("relu5_1");
        const at::Tensor cl = forward_in_format(content_cl, weights_cl, options.pooling, at::MemoryFormat::ChannelsLast);
        cl_max_diff = ((cl - ref).abs().max() / ref.abs().max()).item<double>();
      }
      rows.push_back(measure(size, "bare_cl", fwd_bwd_flops, args.warmup, args.reps, [&] {
        at::Tensor image = content_cl.detach().requires_grad_(true);
        at::Tensor out = forward_in_format(image, weights_cl, options.pooling, at::MemoryFormat::ChannelsLast);
        at::Tensor grad = torch::autograd::grad({out.sum()}, {image})[0];
        cl_output = out.is_contiguous(at::MemoryFormat::ChannelsLast);
        cl_gradient = grad.is_contiguous(at::MemoryFormat::ChannelsLast);
        return 1;
      }));
    }

    // The loss terms alone, on features computed once: Gram + content + TV, forward and backward.
    {
      std::map<std::string, at::Tensor> features, grams;
      {
        at::NoGradGuard no_grad;
        features = full_net.forward(content);
        for (const auto& [name, f] : full_net.forward(style)) grams[name] = nst::gram_matrix(f);
      }
      rows.push_back(measure(size, "losses", 0, args.warmup, args.reps, [&] {
        at::AutoGradMode grad_mode(true);
        std::vector<at::Tensor> leaves;
        at::Tensor image = content.detach().requires_grad_(true);
        at::Tensor total = options.tv_weight * nst::tv_loss(image);
        leaves.push_back(image);
        for (const auto& name : options.content_layers) {
          leaves.push_back(features.at(name).detach().requires_grad_(true));
          // any target other than the features themselves will do: the cost does not depend on it
          total = total + options.content_weight * nst::content_loss(leaves.back(), features.at(name) * 0.5);
        }
        for (const auto& name : options.style_layers) {
          leaves.push_back(features.at(name).detach().requires_grad_(true));
          total = total + options.style_weight / options.style_layers.size() *
                              nst::style_loss(leaves.back(), grams.at(name));
        }
        torch::autograd::grad({total}, leaves);
        return 1;
      }));
    }

    nst::detail::StyleObjective objective(full_net, content, {style}, options);
    rows.push_back(measure(size, "full", fwd_bwd_flops, args.warmup, args.reps, [&] {
      at::Tensor grad;
      objective(content, grad);
      return 1;
    }));
    // The same objective with the network in bfloat16 (--precision bfloat16).
    if (args.bfloat16) {
      nst::FeatureNet half_net(weights, options.pooling, layers);
      half_net.set_precision(nst::ComputePrecision::kBFloat16);
      nst::detail::StyleObjective half(half_net, content, {style}, options);
      rows.push_back(measure(size, "full_bf16", fwd_bwd_flops, args.warmup, args.reps, [&] {
        at::Tensor grad;
        half(content, grad);
        return 1;
      }));
    }

    if (args.lbfgs_iters > 0) {
      nst::OptimizerOptions opt_options = options.optimizer;
      opt_options.lower = 0.0;  // as run_style does
      opt_options.upper = 1.0;
      auto optimizer = nst::make_optimizer(opt_options);
      at::Tensor x = content.clone();
      const nst::Objective f = [&](const at::Tensor& v, at::Tensor& g) { return objective(v, g); };
      rows.push_back(measure(size, "lbfgs", fwd_bwd_flops, 0, args.lbfgs_iters, [&] {
        const nst::StepResult r = optimizer->step(x, f);
        if (!r.ok) std::cerr << "  lbfgs: " << r.failure << "\n";
        return r.evaluations;
      }));
    }

    for (const auto& r : rows) overall_peak = std::max(overall_peak, r.peak_rss_mib);
    overall_peak = std::max(overall_peak, maxrss_mib());
    sizes_json.push_back({{"size", size},
                          {"forward_gmac", macs / 1e9},
                          {"reference_forward_gmac", size == 512 ? 94.7 : size == 256 ? 23.7 : 0.0},
                          {"channels_last_output", cl_output},
                          {"channels_last_gradient", cl_gradient},
                          {"channels_last_max_rel_diff", cl_max_diff},
                          {"peak_rss_mib_so_far", overall_peak},
                          {"vm_hwm_mib_after_size", status_mib("VmHWM:")}});
    results.insert(results.end(), rows.begin(), rows.end());
  }

  // ---- report ------------------------------------------------------------------------------
  std::map<int, double> bare_median, full_median;
  for (const auto& r : results) {
    if (r.variant == "bare") bare_median[r.size] = r.median;
    if (r.variant == "full") full_median[r.size] = r.median;
  }
  std::ostringstream md;
  md << "# bench_style\n\n"
     << "- CPU: " << cpu_model() << " (" << std::thread::hardware_concurrency() << " hardware threads)\n"
     << "- libtorch threads: " << threads << "\n"
     << "- libtorch: " << torch_version() << "\n"
     << "- BLAS/oneDNN/OpenMP libraries loaded: " << blas_libraries() << "\n"
     << "- network: embedded VGG19 (" << nst::to_string(weights.arch) << "), "
     << (options.pooling == nst::Pooling::kAvg ? "avg" : "max") << " pooling, to relu5_1\n"
     << "- repetitions: " << args.reps << " after " << args.warmup << " warm-up; lbfgs: " << args.lbfgs_iters
     << " iterations, no warm-up\n\n";
  for (const auto& s : sizes_json) {
    md << "- " << s["size"].get<int>() << " px: forward " << fmt(s["forward_gmac"].get<double>(), 1)
       << " GMAC (REFERENCE.md: " << fmt(s["reference_forward_gmac"].get<double>(), 1) << ")"
       << (args.channels_last
               ? std::string(", bare_cl: channels-last output ") +
                     (s["channels_last_output"].get<bool>() ? "yes" : "no") + ", gradient " +
                     (s["channels_last_gradient"].get<bool>() ? "yes" : "no") + ", max rel. diff to bare " +
                     sci(s["channels_last_max_rel_diff"].get<double>())
               : "")
       << ", peak RSS so far " << fmt(s["peak_rss_mib_so_far"].get<double>(), 0) << " MiB\n";
  }
  md << "\n| px | variant | median s | min s | max s | GFLOP/s | × bare | ref s | × ref | evals/iter | peak RSS MiB |\n"
     << "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  json rows_json = json::array();
  for (const auto& r : results) {
    const double ref = reference_seconds(r.size, r.variant);
    const double vs_bare = bare_median.count(r.size) ? r.median / bare_median[r.size] : 0;
    md << "| " << r.size << " | " << r.variant << " | " << fmt(r.median, 3) << " | " << fmt(r.min, 3) << " | "
       << fmt(r.max, 3) << " | " << fmt(r.gflops, 1) << " | " << fmt(vs_bare, 2) << " | " << fmt(ref, 2) << " | "
       << fmt(ref > 0 ? r.median / ref : 0, 2) << " | " << fmt(r.median_evals, 1) << " | "
       << fmt(r.peak_rss_mib, 0) << " |\n";
    rows_json.push_back({{"size", r.size},
                         {"variant", r.variant},
                         {"seconds", r.seconds},
                         {"evaluations", r.evaluations},
                         {"median_s", r.median},
                         {"min_s", r.min},
                         {"max_s", r.max},
                         {"flops_per_evaluation", r.flops_per_eval},
                         {"gflops", r.gflops},
                         {"median_evaluations", r.median_evals},
                         {"reference_s", ref},
                         {"ratio_to_bare", vs_bare},
                         {"phase_peak_rss_mib", r.peak_rss_mib}});
  }
  md << "\n";
  for (const auto& r : results) {
    if (r.variant != "lbfgs" || !full_median.count(r.size)) continue;
    const double per_eval = r.median / r.median_evals;
    md << "- " << r.size << " px L-BFGS: " << fmt(per_eval, 3) << " s per evaluation = "
       << fmt(per_eval / full_median[r.size], 2) << " × the full step (optimizer overhead "
       << std::showpos << std::fixed << std::setprecision(3) << r.median - r.median_evals * full_median[r.size]
       << std::noshowpos << " s per iteration; negative = noise)\n";
  }
  std::cout << md.str() << std::flush;

  const json report = {{"system",
                        {{"cpu", cpu_model()},
                         {"hardware_threads", std::thread::hardware_concurrency()},
                         {"threads", threads},
                         {"torch_version", torch_version()},
                         {"blas_libraries", blas_libraries()},
                         {"parallel_info", at::get_parallel_info()}}},
                       {"config",
                        {{"sizes", args.sizes},
                         {"reps", args.reps},
                         {"warmup", args.warmup},
                         {"lbfgs_iters", args.lbfgs_iters},
                         {"network", "embedded vgg19"},
                         {"content_layers", options.content_layers},
                         {"style_layers", options.style_layers}}},
                       {"sizes", sizes_json},
                       {"results", rows_json},
                       {"peak_rss_mib", std::max(overall_peak, maxrss_mib())}};
  std::ofstream(args.json_path) << report.dump(2) << "\n";
  if (!args.markdown_path.empty()) std::ofstream(args.markdown_path) << md.str();
  std::cerr << "wrote " << args.json_path << (args.markdown_path.empty() ? "" : " and " + args.markdown_path) << "\n";
  return 0;
}
