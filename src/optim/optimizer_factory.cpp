// make_optimizer and parse_optimizer_kind: option validation and dispatch.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "nst/error.h"
#include "nst/optim.h"
#include "optim/lbfgs.h"
#include "optim/lbfgs_history.h"

namespace nst {

namespace {

void validate(const OptimizerOptions& o) {
  NST_CHECK(!(o.lower > o.upper) && !std::isnan(o.lower) && !std::isnan(o.upper), kUsage,
            "optimizer: lower bound " + std::to_string(o.lower) + " exceeds upper bound " +
                std::to_string(o.upper));
  NST_CHECK(o.learning_rate > 0 && std::isfinite(o.learning_rate), kUsage,
            "optimizer: learning_rate must be positive, got " + std::to_string(o.learning_rate));
  if (o.kind == OptimizerKind::kLbfgs) {
    NST_CHECK(o.history >= 0, kUsage, "optimizer: history must be >= 0, got " + std::to_string(o.history));
    NST_CHECK(o.max_line_search >= 1, kUsage,
              "optimizer: max_line_search must be >= 1, got " + std::to_string(o.max_line_search));
    if (!o.history_device.empty()) detail::history_device(o);  // throws on a bad name
    NST_CHECK(0 < o.c1 && o.c1 < o.c2 && o.c2 < 1, kUsage,
              "optimizer: line-search constants need 0 < c1 < c2 < 1, got c1=" + std::to_string(o.c1) +
                  " c2=" + std::to_string(o.c2));
  } else if (o.kind == OptimizerKind::kAdam) {
    NST_CHECK(0 <= o.beta1 && o.beta1 < 1 && 0 <= o.beta2 && o.beta2 < 1, kUsage,
              "optimizer: adam betas must lie in [0, 1)");
    NST_CHECK(o.epsilon > 0, kUsage, "optimizer: adam epsilon must be positive");
  } else {
    NST_CHECK(0 <= o.momentum && o.momentum < 1, kUsage,
              "optimizer: sgd momentum must lie in [0, 1), got " + std::to_string(o.momentum));
  }
}

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options) {
  validate(options);
  switch (options.kind) {
    case OptimizerKind::kLbfgs: return detail::make_lbfgs(options);
    case OptimizerKind::kAdam: return detail::make_adam(options);
    case OptimizerKind::kSgd: return detail::make_sgd(options);
  }
  fail(ErrorKind::kUsage, "optimizer: unknown kind");
}

std::string to_string(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kLbfgs: return "lbfgs";
    case OptimizerKind::kAdam: return "adam";
    case OptimizerKind::kSgd: return "sgd";
  }
  return "?";
}

OptimizerKind parse_optimizer_kind(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "lbfgs" || lower == "l-bfgs") return OptimizerKind::kLbfgs;
  if (lower == "adam") return OptimizerKind::kAdam;
  if (lower == "sgd") return OptimizerKind::kSgd;
  fail(ErrorKind::kUsage, "unknown optimizer '" + name + "' (expected lbfgs, adam or sgd)");
}

double default_learning_rate(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kLbfgs: return OptimizerOptions{}.learning_rate;  // L-BFGS: first-step scale
    // Pixels live in [0,1] and Adam's step is scale-free (about lr per pixel per iteration).
    case OptimizerKind::kAdam: return 0.01;
    // SGD's step scales with the gradient, so it depends on the loss weights: 1e-2 diverged in
    // style transfer from noise init at the default weights, 1e-3 did not. One value for every
    // front end (invert used 1e-2): a default must not diverge; a slow start is the smaller harm.
    case OptimizerKind::kSgd: return 1e-3;
  }
  return OptimizerOptions{}.learning_rate;
}

HistoryPrecision parse_history_precision(const std::string& name) {
  if (name == "float32" || name == "fp32" || name == "float") return HistoryPrecision::kFull;
  if (name == "float16" || name == "fp16" || name == "half") return HistoryPrecision::kFloat16;
  if (name == "bfloat16" || name == "bf16") return HistoryPrecision::kBFloat16;
  fail(ErrorKind::kUsage, "unknown history precision '" + name + "' (expected float32, float16 or bfloat16)");
}

std::string to_string(HistoryPrecision precision) {
  switch (precision) {
    case HistoryPrecision::kFull: return "float32";
    case HistoryPrecision::kFloat16: return "float16";
    case HistoryPrecision::kBFloat16: return "bfloat16";
  }
  return "?";
}

int history_element_bytes(HistoryPrecision precision) { return precision == HistoryPrecision::kFull ? 4 : 2; }

}  // namespace nst
