// Each loss term as a unit (float64, no network): its gradient against central finite
// differences with its targets and weights, and its tiled form (statistics summed over tiles,
// loss from the totals, the generic pull-back) equal to its whole-image form.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <functional>
#include <memory>

#include "gradient_check.h"
#include "nst/stylize.h"
#include "objective/content_term.h"
#include "objective/gram_term.h"
#include "objective/masked_style_term.h"
#include "objective/mean_cov_term.h"
#include "objective/range_term.h"
#include "objective/sliced_wasserstein_term.h"
#include "objective/style_terms.h"
#include "objective/temporal_term.h"
#include "objective/tiles.h"
#include "objective/tv_term.h"

namespace {

using nst::test::gradient_error;
using nst::test::random;
using nst::detail::CoreFeatures;
using nst::detail::Features;
using nst::detail::Statistics;
using nst::detail::Term;
using nst::detail::Tile;

const std::string kLayer = "relu1_1";  // stride 1: a tile's features are the image's, cut

// Tiles with cores = crops (stride 1 needs no halo), 3x2 of them over height x width.
std::vector<Tile> cuts(int64_t height, int64_t width) {
  std::vector<Tile> tiles;
  const int64_t ys[] = {0, height / 3, 2 * height / 3, height}, xs[] = {0, width / 2, width};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) tiles.push_back({ys[i], ys[i + 1], xs[j], xs[j + 1], ys[i], ys[i + 1], xs[j], xs[j + 1]});
  }
  return tiles;
}

// Sets up a feature term's targets from a content and two styles (whole, or cut into tiles).
void set_up(Term& term, const at::Tensor& content, const std::vector<at::Tensor>& styles, bool tiled) {
  auto visit = [&](const at::Tensor& image, const std::function<void(const CoreFeatures&)>& add) {
    if (!tiled) {
      const Features f{{kLayer, image}};
      add(CoreFeatures(f));
      return;
    }
    for (const Tile& t : cuts(image.size(2), image.size(3))) {
      const Features f{{kLayer, nst::detail::crop_of(image, t)}};
      add(CoreFeatures(f, t, image.size(2), image.size(3)));
    }
  };
  if (term.reads_content()) visit(content, [&](const CoreFeatures& c) { term.add_content(c); });
  for (size_t s = 0; s < styles.size() && term.reads_styles(); ++s) {
    visit(styles[s], [&](const CoreFeatures& c) { term.add_style(s, c); });
  }
  term.finish_targets();
}

// The term's tiled loss and the generic gradient (dL/dS by autograd, pulled back per tile) at f.
std::pair<double, at::Tensor> tiled_loss_and_gradient(const Term& term, const at::Tensor& f) {
  const auto tiles = cuts(f.size(2), f.size(3));
  Statistics total;
  for (const Tile& t : tiles) {
    const Features crop{{kLayer, nst::detail::crop_of(f, t)}};
    nst::detail::add_statistics(total, term.accumulate(CoreFeatures(crop, t, f.size(2), f.size(3))));
  }
  Statistics leaves;
  for (const auto& s : total) leaves.push_back(s.detach().requires_grad_(true));
  const at::Tensor loss = term.loss_from(leaves);
  const auto pulls = torch::autograd::grad({loss}, leaves, {}, false, false, /*allow_unused=*/true);
  at::Tensor grad = at::zeros_like(f);
  for (const Tile& t : tiles) {
    const at::Tensor crop = nst::detail::crop_of(f, t).detach().clone().requires_grad_(true);
    const Features features{{kLayer, crop}};
    const Statistics s = term.accumulate(CoreFeatures(features, t, f.size(2), f.size(3)));
    at::Tensor surrogate = at::zeros({}, f.options());
    for (size_t j = 0; j < s.size(); ++j) {
      if (pulls[j].defined() && s[j].requires_grad()) surrogate = surrogate + (pulls[j] * s[j]).sum();
    }
    if (surrogate.requires_grad()) nst::detail::crop_of(grad, t).add_(torch::autograd::grad({surrogate}, {crop})[0]);
  }
  return {loss.item<double>(), grad};
}

struct Images {
  at::Tensor content = random({1, 5, 9, 8}, 1), x = random({1, 5, 9, 8}, 2);
  std::vector<at::Tensor> styles{random({1, 5, 7, 6}, 3), random({1, 5, 10, 7}, 4)};
};

// The checks every feature term passes: gradient = finite differences, tiled targets = whole
// ones, tiled loss and gradient = whole-image ones (or a one-line refusal).
void expect_term_is_consistent(const std::function<std::unique_ptr<Term>()>& make, bool tileable = true) {
  const Images im;
  auto whole = make(), cut = make();
  set_up(*whole, im.content, im.styles, false);
  auto loss = [&](const at::Tensor& f) { return whole->loss(Features{{kLayer, f}}, at::Tensor()); };
  EXPECT_LT(gradient_error(loss, im.x, 30), 1e-5) << whole->name();  // mean-cov: eigvalsh in the loss
  const double value = loss(im.x).item<double>();
  EXPECT_GT(value, 0) << whole->name();
  if (!tileable) {
    EXPECT_FALSE(whole->untileable_reason().empty());
    return;
  }
  EXPECT_TRUE(whole->untileable_reason().empty()) << whole->name();
  set_up(*cut, im.content, im.styles, true);  // targets from tiles equal the whole image's
  EXPECT_NEAR(cut->loss(Features{{kLayer, im.x}}, at::Tensor()).item<double>(), value, 1e-12 * value) << whole->name();
  const auto [tiled, grad] = tiled_loss_and_gradient(*whole, im.x);
  EXPECT_NEAR(tiled, value, 1e-12 * value) << whole->name();
  at::Tensor x = im.x.detach().requires_grad_(true);
  const at::Tensor want = torch::autograd::grad({loss(x)}, {x})[0];
  EXPECT_LT((grad - want).abs().max().item<double>(), 1e-12 * want.abs().max().item<double>()) << whole->name();
}

TEST(Terms, ContentIsConsistent) {
  expect_term_is_consistent([] { return std::make_unique<nst::detail::ContentTerm>(kLayer, 3.0); });
}

TEST(Terms, GramBlendsTwoStylesAndIsConsistent) {
  expect_term_is_consistent([] { return std::make_unique<nst::detail::GramTerm>(kLayer, 7.0, std::vector<double>{0.3, 0.7}); });
}

TEST(Terms, MeanCovBlendsTwoStylesAndIsConsistent) {
  expect_term_is_consistent([] { return std::make_unique<nst::detail::MeanCovTerm>(kLayer, 2.0, std::vector<double>{0.6, 0.4}); });
}

TEST(Terms, MaskedStyleIsConsistent) {
  for (auto loss : {nst::StyleLoss::kGram, nst::StyleLoss::kMeanCov}) {
    // Two regions (a soft split of a 9x8 image), one per style.
    const at::Tensor left = at::linspace(1.0, 0.0, 8, at::kDouble).view({1, 1, 1, 8}).expand({1, 1, 9, 8}).contiguous();
    auto masks = std::make_shared<const std::vector<at::Tensor>>(std::vector<at::Tensor>{left, 1.0 - left});
    expect_term_is_consistent([&] {
      return std::make_unique<nst::detail::MaskedStyleTerm>(kLayer, 4.0, masks, std::vector<double>{0.5, 0.5}, loss);
    });
  }
}

TEST(Terms, SlicedWassersteinIsDifferentiableButNotTileable) {
  expect_term_is_consistent(
      [] { return std::make_unique<nst::detail::SlicedWassersteinTerm>(kLayer, 5.0, std::vector<double>{0.5, 0.5}, 4, 1, 0); },
      /*tileable=*/false);
}

// Image-space terms: finite differences, and add_image_term (the tiled path's closed forms and
// bands) equal to autograd on the whole image.
void expect_image_term_is_consistent(Term& term, const at::Tensor& x) {
  auto loss = [&](const at::Tensor& image) { return term.loss({}, image); };
  EXPECT_LT(gradient_error(loss, x, 30), 1e-6) << term.name();
  at::Tensor image = x.detach().requires_grad_(true);
  const at::Tensor value = loss(image);
  const at::Tensor want = torch::autograd::grad({value}, {image})[0];
  at::Tensor grad = at::zeros_like(x);
  const double got = term.add_image_term(x, grad);
  EXPECT_NEAR(got, value.item<double>(), 1e-12 * value.item<double>()) << term.name();
  EXPECT_LT((grad - want).abs().max().item<double>(), 1e-14) << term.name();
}

TEST(Terms, ImageSpaceTermsAreConsistent) {
  const at::Tensor x = random({1, 3, 11, 9}, 5) * 1.4 - 0.2;  // some pixels outside [0, 1]
  nst::detail::TvTerm tv(3.0, false, 4);
  expect_image_term_is_consistent(tv, x);
  nst::detail::RangeTerm range(20.0);
  expect_image_term_is_consistent(range, x);
  nst::detail::TemporalTerm temporal({random({1, 3, 11, 9}, 6), random({1, 1, 11, 9}, 7), 50.0}, 1);
  EXPECT_EQ(temporal.name(), "temporal:1");
  expect_image_term_is_consistent(temporal, x);
}

TEST(Terms, RegistrationOrdersTermsAsTheirLossesAddUp) {
  nst::StyleOptions o;
  o.content_layers = {"relu4_2", "relu2_1"};
  o.style_layers = {"relu3_1", "relu1_1"};
  o.style_layer_weights = {2.0, 1.0};
  o.bounds = nst::BoundsMethod::kPenalty;
  o.temporal.push_back({random({1, 3, 8, 8}, 1), random({1, 1, 8, 8}, 2), 1.0});
  const auto terms = nst::detail::make_style_terms(o, 1, at::zeros({1, 3, 8, 8}));
  std::vector<std::string> names;
  for (const auto& t : terms) names.push_back(t->name());
  const std::vector<std::string> want{"content:relu2_1", "content:relu4_2", "style:relu1_1", "style:relu3_1",
                                      "tv", "temporal", "range"};
  EXPECT_EQ(names, want);
  o.content_weight = 0;  // a zero weight leaves its term out
  o.tv_weight = 0;
  EXPECT_EQ(nst::detail::make_style_terms(o, 1, at::zeros({1, 3, 8, 8})).size(), 4u);
  EXPECT_EQ(nst::detail::make_style_terms(o, 0, at::zeros({1, 3, 8, 8})).size(), 2u);  // no style image: no style terms
}

}  // namespace
