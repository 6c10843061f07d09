// `nst plan`: predicts the peak memory of a style run before it starts, and the largest size
// that fits a budget. The same model guards `nst style` (see memory_plan.h).
#include <CLI/CLI.hpp>
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

namespace nst::cli {
namespace {

struct PlanArgs {
  std::string size = "512", style_size, model = "vgg19", weights = "embedded", pooling = "auto", optimizer = "lbfgs",
              content_layers, style_layers, history_precision = "float32", precision = "float32";
  int history = 100, iterations = 500, tile_size = 0;
  double memory_limit_gib = 0;
  bool json = false;
};

std::pair<int, int> parse_size(const std::string& text, const std::string& option) {
  int w = 0, h = 0, used = 0;
  const bool has_x = text.find('x') != std::string::npos;
  const int n = has_x ? std::sscanf(text.c_str(), "%dx%d%n", &w, &h, &used) : std::sscanf(text.c_str(), "%d%n", &w, &used);
  if (!has_x) h = w;
  const bool whole = n == (has_x ? 2 : 1) && used == static_cast<int>(text.size());
  NST_CHECK(whole && w >= 1 && h >= 1 && w <= kMaxImageSide && h <= kMaxImageSide, kUsage,
            option + " must be W or WxH in px (1.." + std::to_string(kMaxImageSide) + "), got '" + text + "'");
  return {h, w};
}

int run(const PlanArgs& a) {
  const bool embedded = a.weights == "embedded";
  StyleOptions o;  // (assigned, not a ?: of two temporaries: gcc 12 then warns falsely about its strings)
  if (!embedded) o = trained_vgg_style_defaults();
  MemoryPlanInput in = memory_plan_input(o, parse_arch(a.model), embedded ? Padding::kReflect : Padding::kZeros);
  std::tie(in.height, in.width) = parse_size(a.size, "--size");
  in.styles = {a.style_size.empty() ? std::make_pair(in.height, in.width) : parse_size(a.style_size, "--style-size")};
  if (a.pooling != "auto") in.pooling = parse_pooling(a.pooling);
  if (!a.content_layers.empty()) in.content_layers = split_list(a.content_layers, "--content-layers");
  if (!a.style_layers.empty()) in.style_layers = split_list(a.style_layers, "--style-layers");
  in.optimizer.kind = parse_optimizer_kind(a.optimizer);
  NST_CHECK(a.history >= 1 && a.iterations >= 0, kUsage, "--history must be >= 1 and --iterations >= 0");
  in.optimizer.history = a.history;
  in.optimizer.history_precision = parse_history_precision(a.history_precision);
  in.precision = parse_compute_precision(a.precision);
  in.iterations = a.iterations;
  NST_CHECK(a.tile_size >= 0, kUsage, "--tile-size must be >= 0 px");
  in.tile_size = a.tile_size;
  if (!embedded) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(a.weights, ec);
    NST_CHECK(!ec, kIo, "weights file not found: " + a.weights);
    in.weights_file_bytes = bytes;
  }
  const uint64_t budget = memory_budget(a.memory_limit_gib);
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
                a.optimizer.c_str(), format_gib(plan.peak_bytes).c_str());
    for (const auto& [name, bytes] : plan.parts) std::printf("  %-12s %s\n", name.c_str(), format_gib(bytes).c_str());
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
  cmd->add_option("--size", a->size, "Output size: W (square) or WxH px")->capture_default_str();
  cmd->add_option("--style-size", a->style_size, "Style image size as used: W or WxH (default: --size)");
  cmd->add_option("--model", a->model, "vgg19 | vgg16")->capture_default_str();
  cmd->add_option("--weights", a->weights, "embedded | FILE (only its size is read)")->capture_default_str();
  cmd->add_option("--pooling", a->pooling, "max | avg (default as nst style)");
  cmd->add_option("--content-layers", a->content_layers, "Content layers (default as nst style)");
  cmd->add_option("--style-layers", a->style_layers, "Style layers (default as nst style)");
  cmd->add_option("--optimizer", a->optimizer, "lbfgs | adam | sgd")->capture_default_str();
  cmd->add_option("--history", a->history, "L-BFGS history size")->capture_default_str();
  cmd->add_option("--history-precision", a->history_precision, "L-BFGS history storage: float32 | float16 | bfloat16")
      ->capture_default_str();
  cmd->add_option("--precision", a->precision, "Network arithmetic: float32 | bfloat16 | float16")->capture_default_str();
  cmd->add_option("--iterations", a->iterations, "Iterations (L-BFGS keeps min(history, iterations) pairs)")
      ->capture_default_str();
  cmd->add_option("--tile-size", a->tile_size, "Tiled evaluation with this tile side (px; 0: whole image)")
      ->capture_default_str();
  cmd->add_option("--memory-limit", a->memory_limit_gib, "Budget in GiB (default: available memory)");
  cmd->add_flag("--json", a->json, "Print the prediction as JSON (peak_bytes, parts, largest_fitting_side)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
