// bench_precision: what the reduced-precision memory savers save and cost: the network in
// bfloat16 (--precision) and the L-BFGS history in float16/bfloat16 (--history-precision). One real
// style run (nst::run_style, embedded VGG19, the pipeline's defaults) per set-up, from the same
// start: peak resident memory, seconds per iteration, and the loss reached, re-evaluated for every
// result with the float32 network so the set-ups compare on one objective. See bench/README.md.
#include <ATen/ATen.h>
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nst/image.h"
#include "nst/memory_plan.h"
#include "nst/optim.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"  // the float32 re-evaluation

#include "bench_cli.h"
#include "bench_common.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."
#endif

namespace {

using namespace nst::bench;
using nlohmann::json;

struct Args {
  int size = 256;
  int iterations = 100;
  int history = 100;
  int threads = 0;
  // network/history; smallest first, because the heap only grows
  std::vector<std::string> setups{"bfloat16/bfloat16", "bfloat16/float32", "float32/bfloat16", "float32/float16",
                                  "float32/float32"};
  std::string content = NST_SOURCE_DIR "/examples/chelsea.png";
  std::string style = NST_SOURCE_DIR "/examples/starry_night.jpg";
  std::string json_path = "bench_precision.json";
  std::string markdown_path;
};

constexpr const char* kProgram = "bench_precision";

Args parse_args(int argc, char** argv) {
  CLI::App app{"What the reduced-precision memory savers save and cost (one style run per set-up)", kProgram};
  Args a;
  keep_last_values(app);
  app.add_option("--size", a.size, "Image size in px")->check(CLI::Range(32, 1 << 16))->capture_default_str();
  app.add_option("--iterations", a.iterations, "Iterations per run")->check(at_least(1))->capture_default_str();
  app.add_option("--history", a.history, "L-BFGS history")->check(at_least(1))->capture_default_str();
  add_threads(app, a.threads);
  // Each set-up parsed here by the library's own parsers, so a bad one is a usage error.
  const CLI::Validator setup_check(
      [](std::string& setup) -> std::string {
        const auto slash = setup.find('/');
        if (slash == std::string::npos) return "a set-up is NET/HISTORY, got '" + setup + "'";
        try {
          nst::parse_compute_precision(setup.substr(0, slash));
          nst::parse_history_precision(setup.substr(slash + 1));
        } catch (const std::exception& e) {
          return e.what();
        }
        return "";
      },
      "NET/HISTORY");
  add_list(app, "--setups", a.setups, "NET/HISTORY,... NET: float32|bfloat16, HISTORY: float32|float16|bfloat16")
      ->check(setup_check);
  app.add_option("--content", a.content, "Content image")->capture_default_str();
  app.add_option("--style", a.style, "Style image")->capture_default_str();
  add_json(app, a.json_path);
  add_markdown(app, a.markdown_path);
  parse_or_exit(app, argc, argv);
  if (a.setups.empty()) usage_error(kProgram, "--setups needs at least one item");
  return a;
}

struct Row {
  std::string network, history;
  double float32_loss = 0;  // the final iterate under the float32 objective
  double clamped_loss = 0;  // the result as saved (clamped to [0,1]) under the float32 objective
  std::vector<double> loss, seconds;  // per iteration
  int evaluations = 0;
  double peak_rss_mib = -1, history_mib = 0, model_optimizer_mib = 0, model_peak_mib = 0;
};

std::string signed_mib(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.0f", v);
  return b;
}

double loss_at(const Row& r, int iteration) {
  return r.loss.at(static_cast<size_t>(std::min<int>(iteration, static_cast<int>(r.loss.size())) - 1));
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const int threads = nst::configure_runtime(args.threads);
  const nst::VggWeights weights = nst::make_embedded_vgg();
  const at::Tensor content = nst::read_image(args.content, args.size);
  const std::vector<at::Tensor> styles{nst::read_image(args.style, args.size)};

  // The judge: the float32 objective with the pipeline's defaults.
  const nst::StyleOptions defaults;
  std::vector<std::string> layers = defaults.content_layers;
  layers.insert(layers.end(), defaults.style_layers.begin(), defaults.style_layers.end());
  const nst::FeatureNet judge_net(weights, defaults.pooling, layers);
  nst::detail::StyleObjective judge(judge_net, content, styles, defaults);

  std::vector<Row> rows;
  for (const std::string& setup : args.setups) {
    const auto slash = setup.find('/');
    if (slash == std::string::npos) usage_error(kProgram, "a set-up is NET/HISTORY, got '" + setup + "'");
    nst::StyleOptions options;  // embedded defaults: content init, so every run starts alike
    options.iterations = args.iterations;
    options.precision = nst::parse_compute_precision(setup.substr(0, slash));
    options.optimizer.history = args.history;
    options.optimizer.history_precision = nst::parse_history_precision(setup.substr(slash + 1));
    Row row;
    row.network = nst::to_string(options.precision);
    row.history = nst::to_string(options.optimizer.history_precision);
    const int pairs = std::min(args.history, args.iterations);
    row.history_mib = 2.0 * pairs * static_cast<double>(content.numel()) *
                      nst::history_element_bytes(options.optimizer.history_precision) / (1 << 20);
    nst::MemoryPlanInput plan_in = nst::memory_plan_input(options, weights.arch, weights.padding);
    plan_in.height = static_cast<int>(content.size(2));
    plan_in.width = static_cast<int>(content.size(3));
    plan_in.styles = {{static_cast<int>(styles[0].size(2)), static_cast<int>(styles[0].size(3))}};
    const nst::MemoryPlan plan = nst::plan_style_memory(plan_in);
    row.model_optimizer_mib = static_cast<double>(plan.parts.at("optimizer")) / (1 << 20);
    row.model_peak_mib = static_cast<double>(plan.peak_bytes) / (1 << 20);

    malloc_trim(0);
    const bool reset = reset_peak_rss();
    double previous = 0;
    at::Tensor last;  // the final iterate, before run_style clamps it to [0,1]
    const auto progress = [&](const nst::IterationReport& r, const at::Tensor& image) {
      if (r.iteration == r.total_iterations) last = image.clone();
      row.loss.push_back(r.loss);
      row.seconds.push_back(r.seconds - previous);
      previous = r.seconds;
      row.evaluations = r.total_evaluations;
      return true;
    };
    const nst::StyleResult result = nst::run_style(weights, content, styles, options, progress);
    if (reset) row.peak_rss_mib = status_mib("VmHWM:");
    at::Tensor unused;
    row.float32_loss = judge(last.defined() ? last : result.image, unused);
    row.clamped_loss = judge(result.image, unused);
    std::cerr << "  " << std::left << std::setw(18) << setup << " loss " << std::scientific << std::setprecision(4)
              << row.float32_loss << "  " << std::fixed << std::setprecision(3) << median_of(row.seconds)
              << " s/iter  peak " << std::setprecision(0) << row.peak_rss_mib << " MiB (" << nst::to_string(result.stop)
              << ")\n";
    rows.push_back(std::move(row));
  }

  // The all-float32 row is the reference when present.
  const Row* reference = nullptr;
  for (const Row& r : rows) {
    if (r.network == "float32" && r.history == "float32") reference = &r;
  }
  auto sci = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4e", v);
    return std::string(b);
  };
  const int n = args.iterations;
  std::ostringstream md;
  md << "bench_precision: " << content.size(3) << "x" << content.size(2) << " px, embedded VGG19, L-BFGS history "
     << args.history << ", " << n << " iterations, " << threads << " threads, " << cpu_model() << ", libtorch "
     << torch_version() << "\n\n"
     << "| network | history | history MiB | model optimizer MiB | model peak MiB | peak RSS MiB | peak − float32's | "
        "median s/iter | × float32 | evals | loss @"
     << std::max(1, n / 10) << " | loss @" << n << " | final, float32 net | ÷ float32 | saved image, float32 net |\n"
     << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  json j_rows = json::array();
  for (const Row& r : rows) {
    const bool ref = reference != nullptr;
    md << "| " << r.network << " | " << r.history << " | " << fmt(r.history_mib, 1) << " | "
       << fmt(r.model_optimizer_mib, 1) << " | " << fmt(r.model_peak_mib, 0) << " | " << fmt(r.peak_rss_mib, 0) << " | "
       << (ref && r.peak_rss_mib > 0 && reference->peak_rss_mib > 0 ? signed_mib(r.peak_rss_mib - reference->peak_rss_mib)
                                                                    : "–")
       << " | " << fmt(median_of(r.seconds), 3) << " | "
       << (ref ? fmt(median_of(r.seconds) / median_of(reference->seconds), 2) : "–") << " | " << r.evaluations << " | "
       << sci(loss_at(r, std::max(1, n / 10))) << " | " << sci(loss_at(r, n)) << " | " << sci(r.float32_loss) << " | "
       << (ref ? fmt(r.float32_loss / reference->float32_loss, 4) : "–") << " | " << sci(r.clamped_loss) << " |\n";
    j_rows.push_back({{"network", r.network},
                      {"history", r.history},
                      {"history_mib", r.history_mib},
                      {"model_optimizer_mib", r.model_optimizer_mib},
                      {"model_peak_mib", r.model_peak_mib},
                      {"peak_rss_mib", r.peak_rss_mib},
                      {"median_seconds_per_iteration", median_of(r.seconds)},
                      {"evaluations", r.evaluations},
                      {"final_loss_float32", r.float32_loss},
                      {"saved_image_loss_float32", r.clamped_loss},
                      {"loss", r.loss},
                      {"seconds", r.seconds}});
  }
  std::cout << md.str();
  if (!args.markdown_path.empty()) std::ofstream(args.markdown_path) << md.str();
  const json out{{"bench", "bench_precision"},
                 {"size", {content.size(3), content.size(2)}},
                 {"iterations", n},
                 {"history", args.history},
                 {"threads", threads},
                 {"cpu", cpu_model()},
                 {"libtorch", torch_version()},
                 {"rows", j_rows}};
  std::ofstream(args.json_path) << out.dump(2) << "\n";
  return 0;
}
