#include "objective/style_terms.h"

#include <map>
#include <set>

#include "nst/error.h"
#include "objective/content_term.h"
#include "objective/gram_term.h"
#include "objective/masked_style_term.h"
#include "objective/mean_cov_term.h"
#include "objective/range_term.h"
#include "objective/sliced_wasserstein_term.h"
#include "objective/temporal_term.h"
#include "objective/tv_term.h"
#include "pipelines/style_blend.h"

namespace nst::detail {
namespace {

std::unique_ptr<Term> make_style_term(const StyleOptions& o, const std::string& layer, double weight,
                                      const std::vector<double>& shares, uint64_t index,
                                      const std::shared_ptr<const std::vector<at::Tensor>>& masks) {
  if (masks) return std::make_unique<MaskedStyleTerm>(layer, weight, masks, shares, o.style_loss);
  switch (o.style_loss) {
    case StyleLoss::kGram: return std::make_unique<GramTerm>(layer, weight, shares);
    case StyleLoss::kMeanCov: return std::make_unique<MeanCovTerm>(layer, weight, shares);
    case StyleLoss::kSlicedWasserstein:
      return std::make_unique<SlicedWassersteinTerm>(layer, weight, shares, o.sliced_directions, o.seed, index);
  }
  return nullptr;
}

}  // namespace

std::vector<std::unique_ptr<Term>> make_style_terms(const StyleOptions& o, size_t style_count, const at::Tensor& like) {
  NST_CHECK(o.style_layer_weights.empty() || o.style_layer_weights.size() == o.style_layers.size(), kUsage,
            "--style-layer-weights has " + std::to_string(o.style_layer_weights.size()) + " values for " +
                std::to_string(o.style_layers.size()) + " style layers");
  std::vector<std::unique_ptr<Term>> terms;
  if (o.content_weight != 0) {
    const std::set<std::string> layers(o.content_layers.begin(), o.content_layers.end());
    for (const auto& layer : layers) terms.push_back(std::make_unique<ContentTerm>(layer, o.content_weight));
  }
  if (o.style_weight != 0 && style_count > 0) {
    std::map<std::string, double> layer_weights;  // by name: the order the parts add up in
    for (size_t i = 0; i < o.style_layers.size(); ++i) {
      layer_weights[o.style_layers[i]] =
          o.style_layer_weights.empty() ? 1.0 / o.style_layers.size() : o.style_layer_weights[i];
    }
    const std::vector<double> shares = style_blend_shares(o.style_blend, style_count);
    const auto masks = o.style_masks.empty() ? nullptr
                                             : fit_style_masks(o.style_masks, like.size(2), like.size(3), like.device());
    uint64_t index = 0;
    for (const auto& [layer, layer_weight] : layer_weights) {
      terms.push_back(make_style_term(o, layer, o.style_weight * layer_weight, shares, index++, masks));
    }
  }
  if (o.tv_weight != 0) terms.push_back(std::make_unique<TvTerm>(o.tv_weight, o.tv_wrap, std::max<int64_t>(o.tile_size, 16)));
  const std::vector<TemporalTarget> temporal = fit_temporal_targets(o.temporal, like);
  for (size_t i = 0; i < temporal.size(); ++i) terms.push_back(std::make_unique<TemporalTerm>(temporal[i], i));
  if (o.bounds == BoundsMethod::kPenalty && o.range_weight != 0) terms.push_back(std::make_unique<RangeTerm>(o.range_weight));
  return terms;
}

}  // namespace nst::detail
