#include "objective/gram_term.h"

#include "nst/losses.h"

namespace nst::detail {

Statistics second_moment_sums(const at::Tensor& core) {
  const at::Tensor f = core.reshape({core.size(1), -1});
  return {at::mm(f, f.t()), at::scalar_tensor(static_cast<double>(f.size(1)), f.options().dtype(at::kDouble))};
}

void add_statistics(Statistics& a, const Statistics& b) {
  if (a.empty()) {
    a = b;
    return;
  }
  for (size_t i = 0; i < a.size(); ++i) a[i] = a[i] + b[i];
}

void GramTerm::add_style(size_t style, const CoreFeatures& core) {
  at::NoGradGuard no_grad;
  if (sums_.size() < shares_.size()) sums_.resize(shares_.size());
  add_statistics(sums_.at(style), second_moment_sums(core[layer_]));
}

void GramTerm::finish_targets() {
  for (size_t s = 0; s < sums_.size(); ++s) {
    const at::Tensor& ffT = sums_[s][0];
    const at::Tensor gram = ffT / (static_cast<double>(ffT.size(0)) * sums_[s][1].item<double>()) * shares_[s];
    target_ = target_.defined() ? target_ + gram : gram;
  }
  sums_.clear();
}

at::Tensor GramTerm::loss(const Features& features, const at::Tensor& /*image*/) {
  return weight_ * style_loss(features.at(layer_), target_);
}

Statistics GramTerm::accumulate(const CoreFeatures& core) const { return second_moment_sums(core[layer_]); }

at::Tensor GramTerm::loss_from(const Statistics& total) const {
  const double n = total[1].item<double>() * static_cast<double>(target_.size(0));
  return weight_ * at::mse_loss(total[0] / n, target_);
}

uint64_t GramTerm::kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const {
  const uint64_t c = static_cast<uint64_t>(shapes.at(layer_).channels);
  return c * c * 4 * (styles + 1);  // the target and each style's sums while it is set up
}

}  // namespace nst::detail
