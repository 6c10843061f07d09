#pragma once
// The --bounds penalty: weight · mean squared distance of the pixels to [0, 1].
#include "objective/term.h"

namespace nst::detail {

class RangeTerm : public Term {
 public:
  explicit RangeTerm(double weight) : weight_(weight) {}

  std::string name() const override { return "range"; }
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  /// Elementwise, so in closed form: 2·weight·(x − clamp(x))/n, no autograd graph.
  double add_image_term(const at::Tensor& x, at::Tensor& grad) override;

 private:
  double weight_;
};

}  // namespace nst::detail
