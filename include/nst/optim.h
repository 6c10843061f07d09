#pragma once
// Optimizers over one image tensor: L-BFGS (strong-Wolfe line search, box bounds), Adam, SGD.
// They work on tensors of any device; the objective computes loss and gradient.
#include <ATen/core/Tensor.h>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>

namespace nst {

/// Computes f(x) and writes df/dx into grad (same shape/device as x). Must not modify x.
using Objective = std::function<double(const at::Tensor& x, at::Tensor& grad)>;

/// Which algorithm.
enum class OptimizerKind { kLbfgs, kAdam, kSgd };

/// Storage precision of the L-BFGS (s, y) pairs. kFull keeps x's own dtype (float32 for images);
/// kFloat16 and kBFloat16 halve the history's memory. Each reduced vector is stored scaled to
/// max |v| = 1 (the scale kept in double), so float16's narrow range never clips or flushes.
enum class HistoryPrecision { kFull, kFloat16, kBFloat16 };

/// All optimizer settings; each default lives here once.
struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kLbfgs;
  // L-BFGS
  int history = 100;             ///< number of (s, y) pairs kept
  bool line_search = true;       ///< strong-Wolfe line search; false = fixed step as in neural-style
  double c1 = 1e-4;              ///< sufficient-decrease constant
  double c2 = 0.9;               ///< curvature constant
  int max_line_search = 25;      ///< function evaluations per line search
  HistoryPrecision history_precision = HistoryPrecision::kFull;  ///< storage of the (s, y) pairs
  /// Device holding the (s, y) pairs: "" = x's device; e.g. "cpu" keeps a GPU run's history in
  /// host memory (each pair is copied back while the direction is computed).
  std::string history_device;
  // Adam / SGD
  double learning_rate = 1.0;    ///< Adam/SGD step size (L-BFGS: first-step scale)
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  ///< Adam
  double momentum = 0.9;         ///< SGD momentum
  // Box bounds on every element of x (pixels in [0,1]); infinite = unbounded.
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
};

/// Result of one iteration.
struct StepResult {
  double loss = 0;          ///< f at the new x
  int evaluations = 0;      ///< objective calls spent in this iteration
  double step_size = 0;     ///< accepted step length t (x_new = P(x + t d))
  bool ok = true;           ///< false: no progress possible (line-search failure, non-finite f)
  std::string failure;      ///< why, when !ok (x is then left at the last good point)
};

/// Everything an optimizer's next step() reads besides x and its options: the L-BFGS pairs (in
/// their storage precision, with their scales), Adam's moments, SGD's velocity, the cached point
/// (x, f, gradient) and counters. Exported for checkpoints (nst/checkpoint.h): loaded into a fresh
/// optimizer of the same options, it makes the following steps bit-identical to an uninterrupted run's.
struct OptimizerState {
  std::string kind;                            ///< "lbfgs", "lbfgsb", "adam" or "sgd"
  std::map<std::string, at::Tensor> tensors;   ///< on the CPU, in their storage dtype
  std::map<std::string, double> scalars;       ///< counters and flags too (exact up to 2^53)
};

/// An iterative minimizer; one call to step() is one iteration.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// One iteration, updating x in place. x stays within the bounds. On failure x is unchanged.
  virtual StepResult step(at::Tensor& x, const Objective& f) = 0;
  /// Forgets all history (call after x was edited outside the optimizer, e.g. blurred).
  virtual void reset() = 0;
  virtual std::string name() const = 0;
  /// A copy of the state (tensors on the CPU).
  virtual OptimizerState state() const = 0;
  /// Replaces the state by one from state() of an optimizer made with the same options; tensors
  /// go to `device` (x's) or to the history device. Throws nst::Error(kFormat) when the state is
  /// of another kind or lacks an entry or is inconsistent.
  virtual void load_state(const OptimizerState& state, const at::Device& device) = 0;
};

/// Creates the optimizer named by options.kind.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

/// Parses "lbfgs" | "adam" | "sgd"; throws nst::Error(kUsage) otherwise.
OptimizerKind parse_optimizer_kind(const std::string& name);
/// "lbfgs" | "adam" | "sgd": the name parse_optimizer_kind reads.
std::string to_string(OptimizerKind kind);

/// The step size front ends use for `kind` when none is given (OptimizerOptions::learning_rate
/// stays L-BFGS's 1): adam 0.01, sgd 0.001 (see optimizer_factory.cpp for why), lbfgs 1.
double default_learning_rate(OptimizerKind kind);

/// Parses "float32" | "float16" | "bfloat16" (also fp32, fp16, half, bf16); throws nst::Error(kUsage) otherwise.
HistoryPrecision parse_history_precision(const std::string& name);
/// "float32" | "float16" | "bfloat16".
std::string to_string(HistoryPrecision precision);
/// Bytes per stored history element when x is float32 (4, 2, 2).
int history_element_bytes(HistoryPrecision precision);

}  // namespace nst
