#pragma once
// Content: weight · mean over the layer's elements of (F − T)², T the content image's features.
#include "objective/term.h"

namespace nst::detail {

class ContentTerm : public Term {
 public:
  ContentTerm(std::string layer, double weight) : layer_(std::move(layer)), weight_(weight) {}

  std::string name() const override { return "content:" + layer_; }
  std::vector<std::string> layers() const override { return {layer_}; }
  bool reads_content() const override { return true; }
  void add_content(const CoreFeatures& core) override;
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  Statistics accumulate(const CoreFeatures& core) const override;  // {Σ (F − T)²}
  at::Tensor loss_from(const Statistics& total) const override;
  uint64_t kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const override;

 private:
  std::string layer_;
  double weight_;
  at::Tensor target_;  // the whole image's features (assembled from tile cores when tiled)
};

}  // namespace nst::detail
