#pragma once
// Total variation: weight · tv_loss(image) (smooth, β = 2; wrapping around for tileable textures).
#include "objective/term.h"

namespace nst::detail {

class TvTerm : public Term {
 public:
  /// band: rows per band when tiled (see add_banded_tv).
  TvTerm(double weight, bool wrap, int64_t band) : weight_(weight), wrap_(wrap), band_(band) {}

  std::string name() const override { return "tv"; }
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  double add_image_term(const at::Tensor& x, at::Tensor& grad) override;
  std::string untileable_reason() const override {
    return wrap_ ? "a TV term that wraps around (tileable) needs the whole image: drop --tile-size" : "";
  }

 private:
  double weight_;
  bool wrap_;
  int64_t band_;
};

/// weight · tv_loss(x), computed over bands of `band` rows so that no image-sized temporaries are
/// made (a whole-image autograd TV keeps about ten: 8 GB at 8192²); adds its gradient to grad
/// and returns its value. Equal to the whole-image term up to float summation order.
double add_banded_tv(const at::Tensor& x, double weight, int64_t band, at::Tensor& grad);

}  // namespace nst::detail
