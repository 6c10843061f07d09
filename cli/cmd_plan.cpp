// `nst plan`: predicts the peak memory of a style run before it starts, and the largest size
// that fits a budget. The same model guards `nst style` (see memory_plan.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "common.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/memory_plan.h"
#include "nst/stylize.h"
#include "options.h"

namespace nst::cli {
namespace {

struct PlanArgs {
  std::string size, style_size, model, weights, pooling, content_layers, style_layers, precision;
  OptimizerFlags opt;
  MemoryFlags memory;
  int iterations = 0;
  bool json = false;
};

int run(const PlanArgs& a) {
  const bool embedded = a.weights == "embedded";
  const StyleOptions o = style_defaults(a.weights);
  MemoryPlanInput in = memory_plan_input(o, parse_arch(a.model), embedded ? Padding::kReflect : Padding::kZeros);
  std::tie(in.height, in.width) = parse_image_size(a.size, "--size");
  in.styles = {a.style_size.empty() ? std::make_pair(in.height, in.width)
                                    : parse_image_size(a.style_size, "--style-size")};
  if (a.pooling != "auto") in.pooling = parse_pooling(a.pooling);
  if (!a.content_layers.empty()) in.content_layers = split_list(a.content_layers, "--content-layers");
  if (!a.style_layers.empty()) in.style_layers = split_list(a.style_layers, "--style-layers");
  in.optimizer = to_options(a.opt, o.optimizer);
  NST_CHECK(a.iterations >= 0, kUsage, "--iterations must be >= 0");
  in.precision = parse_compute_precision(a.precision);
  in.iterations = a.iterations;
  check_memory_flags(a.memory);
  in.tile_size = a.memory.tile_size;
  if (!embedded) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(a.weights, ec);
    NST_CHECK(!ec, kIo, "weights file not found: " + a.weights);
    in.weights_file_bytes = bytes;
  }
  const uint64_t budget = a.memory.budget();
  const MemoryPlan plan = plan_style_memory(in);
  const int fitting = budget > 0 ? largest_fitting_side(in, budget) : 0;
  const bool fits = budget == 0 || plan.peak_bytes <= budget;
  if (a.json) {
    nlohmann::json j{{"width", in.width},         {"height", in.height},         {"peak_bytes", plan.peak_bytes},
                     {"budget_bytes", budget},    {"fits", fits},                {"largest_fitting_side", fitting},
                     {"parts", plan.parts}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%dx%d px, %s, %s: predicted peak %s\n", in.width, in.height, to_string(in.arch).c_str(),
                a.opt.optimizer.c_str(), format_gib(plan.peak_bytes).c_str());
    for (const auto& [name, bytes] : plan.parts) std::printf("  %-12s %s\n", name.c_str(), format_gib(bytes).c_str());
    if (in.optimizer.kind == OptimizerKind::kLbfgs) {
      // The history is the part that depends on the run's length: a run of a few iterations
      // keeps a few pairs, so plan it with its own --iterations (nst style reports its own plan).
      std::printf("  (optimizer: %d L-BFGS pairs = min(--history %d, --iterations %d))\n",
                  std::min(in.optimizer.history, in.iterations), in.optimizer.history, in.iterations);
    }
    if (budget > 0) {
      std::printf("budget %s: %s; largest longest side that fits: %d px\n", format_gib(budget).c_str(),
                  fits ? "fits" : "does NOT fit", fitting);
    }
  }
  return fits ? kExitOk : kExitFailure;
}

}  // namespace

void add_plan_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand("plan", "Predict the peak memory of a style run and the largest size that fits");
  const StyleOptions e = style_defaults("embedded"), t = trained_vgg_style_defaults();
  add_size(cmd, a->size, std::to_string(kStyleSize));
  cmd->add_option("--style-size", a->style_size, "Style image size as used: W or WxH (default: --size)");
  add_model(cmd, a->model, EmbeddedNetOptions{}.arch);
  add_weights(cmd, a->weights);
  add_pooling(cmd, a->pooling, "auto");
  add_content_layers(cmd, a->content_layers, per_network(join(e.content_layers), join(t.content_layers)));
  add_style_layers(cmd, a->style_layers, per_network(join(e.style_layers), join(t.style_layers)));
  add_optimizer_flags(cmd, a->opt, e.optimizer, kOptimizerMemory);
  add_precision(cmd, a->precision, e.precision);
  add_iterations(cmd, a->iterations, e.iterations);
  add_memory_flags(cmd, a->memory, e);
  add_json(cmd, a->json);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
