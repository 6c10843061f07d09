#pragma once
// Sliced Wasserstein style (Heitz et al. 2021): weight · mean squared distance between the sorted
// random projections of the features and the blend's quantiles. Sorting is not a sum over
// positions, so it cannot be tiled.
#include "objective/term.h"

namespace nst::detail {

class SlicedWassersteinTerm : public Term {
 public:
  /// directions: per redraw (0: the channel count); seed and index pick the directions' stream.
  SlicedWassersteinTerm(std::string layer, double weight, std::vector<double> shares, int64_t directions,
                        uint64_t seed, uint64_t index)
      : layer_(std::move(layer)), weight_(weight), shares_(std::move(shares)), count_(directions), seed_(seed),
        index_(index) {}

  std::string name() const override { return "style:" + layer_; }
  std::vector<std::string> layers() const override { return {layer_}; }
  bool reads_styles() const override { return true; }
  void add_style(size_t style, const CoreFeatures& core) override;
  void finish_targets() override { redraw(0); }
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  std::string untileable_reason() const override {
    return "--style-loss sliced-wasserstein sorts whole-image projections and cannot be tiled: drop --tile-size";
  }
  void redraw(uint64_t round) override;
  uint64_t kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const override;

 private:
  std::string layer_;
  double weight_;
  std::vector<double> shares_;
  int64_t count_;
  uint64_t seed_, index_;
  std::vector<at::Tensor> style_features_;  // per style, C x M
  at::Tensor directions_;                   // K x C
  at::Tensor target_;                       // K x n quantiles for the image's n positions (made at first use)
};

}  // namespace nst::detail
