// StoredVector: L-BFGS history vectors in reduced precision or on another device.
//
// The reduced formats store v / max|v|: float16 then keeps 11 significant bits for every vector
// whatever its magnitude (late L-BFGS steps are ~1e-6 per pixel, below float16's normal range),
// and bfloat16 8 bits. The two-loop recursion stays exact for the pairs as stored, because the
// optimizer computes rho = 1 / (s·y) from the decoded vectors (see LbfgsOptimizer::remember).
#include "optim/lbfgs_history.h"

#include <ATen/ATen.h>

#include <cmath>

#include "nst/error.h"

namespace nst::detail {

void StoredVector::assign(at::Tensor v, HistoryPrecision precision, const std::optional<at::Device>& device) {
  const at::Device target = device.value_or(v.device());
  if (precision == HistoryPrecision::kFull) {
    scale_ = 1;
    data_ = target == v.device() ? std::move(v) : v.to(target);
    return;
  }
  const double max_abs = v.abs().max().item<double>();
  scale_ = max_abs > 0 && std::isfinite(max_abs) ? max_abs : 1.0;
  const at::ScalarType type = precision == HistoryPrecision::kFloat16 ? at::kHalf : at::kBFloat16;
  data_ = v.mul_(1.0 / scale_).to(target, type);  // v is ours: scaled in place, then converted
}

at::Tensor StoredVector::decoded(const at::Tensor& like) const {
  at::Tensor d = data_.to(like.device(), like.scalar_type());
  return scale_ == 1 ? d : (d.is_same(data_) ? d * scale_ : d.mul_(scale_));
}

double StoredVector::dot(const at::Tensor& a) const {
  const at::Tensor d = data_.to(a.device(), a.scalar_type());
  return scale_ * at::dot(d.reshape(-1), a.reshape(-1)).item<double>();
}

void StoredVector::add_to(at::Tensor& a, double alpha) const {
  a.add_(data_.to(a.device(), a.scalar_type()), alpha * scale_);
}

at::Tensor StoredVector::gather(const at::Tensor& index, const at::TensorOptions& options) const {
  at::Tensor picked = data_.reshape(-1).index_select(0, index.to(data_.device())).to(options);
  return scale_ == 1 ? picked : picked.mul_(scale_);
}

size_t StoredVector::bytes() const { return data_.defined() ? data_.numel() * data_.element_size() : 0; }

std::optional<at::Device> history_device(const OptimizerOptions& options) {
  if (options.history_device.empty()) return std::nullopt;
  try {
    return at::Device(options.history_device);
  } catch (const c10::Error&) {
    fail(ErrorKind::kUsage, "optimizer: unknown history device '" + options.history_device + "'");
  }
}

}  // namespace nst::detail
