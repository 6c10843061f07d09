#pragma once
// Storage of one L-BFGS history vector (s or y) in a chosen precision and device. Full precision
// on x's device keeps the tensor as it is; float16/bfloat16 keep v / max|v| and the scale, which
// halves the memory of the history, usually the largest item of a large L-BFGS run.
#include <ATen/core/Tensor.h>

#include <optional>
#include <utility>

#include "nst/optim.h"

namespace nst::detail {

class StoredVector {
 public:
  /// Takes v (full precision on v's device: no copy) or stores a reduced/moved copy of it.
  void assign(at::Tensor v, HistoryPrecision precision, const std::optional<at::Device>& device);
  /// v as a tensor of like's dtype and device (the stored tensor itself when it already is one).
  at::Tensor decoded(const at::Tensor& like) const;
  /// a · v as double.
  double dot(const at::Tensor& a) const;
  /// a += alpha v.
  void add_to(at::Tensor& a, double alpha) const;
  /// v.reshape(-1)[index] as a tensor with the given options (index: int64 on any device).
  at::Tensor gather(const at::Tensor& index, const at::TensorOptions& options) const;
  /// Bytes held by the stored tensor.
  size_t bytes() const;
  /// The stored tensor (for tests and checkpoints) and the factor v = scale * data.
  const at::Tensor& data() const { return data_; }
  double scale() const { return scale_; }
  /// Sets the stored tensor and scale as data() and scale() returned them (a checkpoint's).
  void restore(at::Tensor data, double scale) {
    data_ = std::move(data);
    scale_ = scale;
  }

 private:
  at::Tensor data_;
  double scale_ = 1;  // v = scale_ * data_
};

/// The device named by options.history_device, or nullopt for "x's device".
std::optional<at::Device> history_device(const OptimizerOptions& options);

}  // namespace nst::detail
