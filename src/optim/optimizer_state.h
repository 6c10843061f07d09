#pragma once
// Helpers for Optimizer::state / load_state: reading an OptimizerState with one-line errors, and
// the pieces every optimizer shares (the cached point, the stored history vectors).
#include <ATen/ATen.h>

#include <optional>
#include <string>

#include "nst/optim.h"
#include "optim/lbfgs.h"
#include "optim/lbfgs_history.h"

namespace nst::detail {

/// A CPU copy of t (a clone when t already is on the CPU, so the state never aliases the optimizer).
at::Tensor cpu_copy(const at::Tensor& t);

/// Reads entries of a state that must be of `kind`; every miss throws nst::Error(kFormat).
class StateReader {
 public:
  StateReader(const OptimizerState& state, const std::string& kind);
  bool has_tensor(const std::string& key) const { return state_.tensors.count(key) > 0; }
  /// The tensor moved (copied) to device.
  at::Tensor tensor(const std::string& key, const at::Device& device) const;
  double scalar(const std::string& key) const;
  /// A scalar that must be an integer in [lo, hi].
  int64_t integer(const std::string& key, int64_t lo, int64_t hi) const;

 private:
  const OptimizerState& state_;
  std::string kind_;
};

/// The cached point as "cache.x", "cache.g", "cache.f" (nothing when the cache is empty).
void save_cache(const PointCache& cache, OptimizerState& state);
void load_cache(PointCache& cache, const StateReader& reader, const at::Device& device);

/// A history vector as "KEY" (its stored tensor) and "KEY.scale".
void save_vector(const StoredVector& v, const std::string& key, OptimizerState& state);
/// The vector back, on `device`; its dtype must be the one `precision` stores.
StoredVector load_vector(const StateReader& reader, const std::string& key, HistoryPrecision precision,
                         const at::Device& device);

}  // namespace nst::detail
