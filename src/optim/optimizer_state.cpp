// Reading and writing the pieces of an OptimizerState (see optimizer_state.h).
#include "optim/optimizer_state.h"

#include <cmath>
#include <utility>

#include "nst/error.h"

namespace nst::detail {

at::Tensor cpu_copy(const at::Tensor& t) { return t.device().is_cpu() ? t.detach().clone() : t.detach().cpu(); }

StateReader::StateReader(const OptimizerState& state, const std::string& kind) : state_(state), kind_(kind) {
  NST_CHECK(state.kind == kind, kFormat,
            "optimizer state is of '" + state.kind + "', this optimizer is '" + kind + "'");
}

at::Tensor StateReader::tensor(const std::string& key, const at::Device& device) const {
  const auto it = state_.tensors.find(key);
  NST_CHECK(it != state_.tensors.end() && it->second.defined(), kFormat,
            kind_ + " optimizer state lacks the tensor '" + key + "'");
  return it->second.to(device, /*non_blocking=*/false, /*copy=*/true).contiguous();
}

double StateReader::scalar(const std::string& key) const {
  const auto it = state_.scalars.find(key);
  NST_CHECK(it != state_.scalars.end(), kFormat, kind_ + " optimizer state lacks the value '" + key + "'");
  return it->second;
}

int64_t StateReader::integer(const std::string& key, int64_t lo, int64_t hi) const {
  const double v = scalar(key);
  NST_CHECK(std::isfinite(v) && v == std::floor(v) && v >= static_cast<double>(lo) && v <= static_cast<double>(hi),
            kFormat,
            kind_ + " optimizer state: '" + key + "' must be an integer in " + std::to_string(lo) + ".." +
                std::to_string(hi));
  return static_cast<int64_t>(v);
}

void save_cache(const PointCache& cache, OptimizerState& state) {
  state.scalars["cache"] = cache.x().defined() ? 1 : 0;
  if (!cache.x().defined()) return;
  state.tensors["cache.x"] = cpu_copy(cache.x());
  state.tensors["cache.g"] = cpu_copy(cache.g());
  state.scalars["cache.f"] = cache.f();
}

void load_cache(PointCache& cache, const StateReader& reader, const at::Device& device) {
  cache.clear();
  if (reader.integer("cache", 0, 1) == 0) return;
  const at::Tensor x = reader.tensor("cache.x", device);
  const at::Tensor g = reader.tensor("cache.g", device);
  NST_CHECK(x.sizes().equals(g.sizes()), kFormat, "optimizer state: cached point and gradient differ in shape");
  cache.store(x, reader.scalar("cache.f"), g);
}

void save_vector(const StoredVector& v, const std::string& key, OptimizerState& state) {
  state.tensors[key] = cpu_copy(v.data());
  state.scalars[key + ".scale"] = v.scale();
}

StoredVector load_vector(const StateReader& reader, const std::string& key, HistoryPrecision precision,
                         const at::Device& device) {
  at::Tensor data = reader.tensor(key, device);
  const bool reduced = precision != HistoryPrecision::kFull;
  const at::ScalarType want = precision == HistoryPrecision::kFloat16 ? at::kHalf : at::kBFloat16;
  NST_CHECK(reduced ? data.scalar_type() == want : at::isFloatingType(data.scalar_type()), kFormat,
            "optimizer state: '" + key + "' is stored as " + std::string(c10::toString(data.scalar_type())) +
                ", the options ask for " + to_string(precision));
  StoredVector v;
  v.restore(std::move(data), reader.scalar(key + ".scale"));
  return v;
}

}  // namespace nst::detail
