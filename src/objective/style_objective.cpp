#include "objective/style_objective.h"

#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <set>

#include "nst/error.h"
#include "objective/style_terms.h"

namespace nst::detail {
namespace {

/// What a style's features depend on besides its pixels: the StyleFeatureCache key.
std::string feature_setup(const FeatureNet& net, const StyleOptions& o) {
  std::string key = net.weights().source + "|" + to_string(net.weights().arch) + "|" + to_string(net.precision()) +
                    "|" + to_string(o.pooling) + "|" + o.device + "|";
  for (const auto& layer : net.requested_layers()) key += layer + ",";
  return key;
}

}  // namespace

StyleObjective::StyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                               const StyleOptions& options, StyleFeatureCache* style_features)
    : net_(net), tile_size_(options.tile_size), terms_(make_style_terms(options, styles.size(), content)) {
  bool reads_content = false;
  std::set<std::string> style_layers;  // what the style-reading terms need of each style image
  for (const auto& term : terms_) {
    const std::vector<std::string> layers = term->layers();
    reads_layers_ = reads_layers_ || !layers.empty();
    reads_content = reads_content || term->reads_content();
    if (term->reads_styles()) style_layers.insert(layers.begin(), layers.end());
    if (tile_size_ > 0) {
      const std::string reason = term->untileable_reason();
      NST_CHECK(reason.empty(), kUsage, reason);
    }
  }
  if (tile_size_ > 0) geometry_ = tile_geometry(net.weights().arch, net.requested_layers());

  at::NoGradGuard no_grad;
  if (reads_content) {
    for_each_core(content, [&](const CoreFeatures& core) {
      for (const auto& term : terms_) {
        if (term->reads_content()) term->add_content(core);
      }
    });
  }
  for (size_t s = 0; s < styles.size() && !style_layers.empty(); ++s) {
    auto add = [&](const CoreFeatures& core) {
      for (const auto& term : terms_) {
        if (term->reads_styles()) term->add_style(s, core);
      }
    };
    if (tile_size_ > 0) {
      for_each_core(styles[s], add);
      continue;
    }
    auto forward = [&] {
      Features kept;  // only what the style terms read: the cache holds these
      auto all = net_.forward(styles[s]);
      for (const auto& name : style_layers) kept[name] = all.at(name).detach();
      return kept;
    };
    const Features features =
        style_features ? style_features->features(styles[s], feature_setup(net_, options), forward) : forward();
    add(CoreFeatures(features));
  }
  for (const auto& term : terms_) term->finish_targets();
}

StyleObjective::~StyleObjective() = default;

void StyleObjective::for_each_core(const at::Tensor& image, const CoreVisitor& visit) const {
  at::NoGradGuard no_grad;
  if (tile_size_ == 0) {
    const Features features = net_.forward(image);
    visit(CoreFeatures(features));
    return;
  }
  for (const Tile& t : make_tiles(image.size(2), image.size(3), tile_size_, geometry_)) {
    const Features features = net_.forward(crop_of(image, t));
    visit(CoreFeatures(features, t, image.size(2), image.size(3)));
  }
}

void StyleObjective::redraw_directions(uint64_t round) {
  for (const auto& term : terms_) term->redraw(round);
}

size_t StyleObjective::tile_count(int64_t height, int64_t width) const {
  return tile_size_ > 0 ? make_tiles(height, width, tile_size_, geometry_).size() : 1;
}

double StyleObjective::operator()(const at::Tensor& x, at::Tensor& grad) {
  return tile_size_ > 0 ? evaluate_tiled(x, grad) : evaluate_whole(x, grad);
}

double StyleObjective::evaluate_whole(const at::Tensor& x, at::Tensor& grad) {
  at::AutoGradMode enable_grad(true);  // optimizers may call us under a NoGradGuard
  at::Tensor image = x.detach().requires_grad_(true);
  at::Tensor total = at::zeros({}, x.options());
  parts_.clear();
  {
    const Features features = reads_layers_ ? net_.forward(image) : Features{};
    for (const auto& term : terms_) {
      at::Tensor value = term->loss(features, image);
      parts_[term->name()] = value.item<double>();
      total = total + value;
    }
  }
  const double value = total.item<double>();
  if (!total.requires_grad()) {  // nothing depends on x (all weights zero)
    grad = at::zeros_like(x);
    return value;
  }
  grad = torch::autograd::grad({total}, {image})[0];
  return value;
}

}  // namespace nst::detail
