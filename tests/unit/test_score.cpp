// The judge (score.h): the scores' fixed points by construction, blend symmetry, a judge that
// differs from the optimized network, and the usage errors. Tiny images, deterministic.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/score.h"
#include "nst/stylize.h"
#include "nst/weights.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

const nst::VggWeights& judge_net() {
  static const nst::VggWeights w = nst::default_judge_weights();
  return w;
}

struct Images {
  at::Tensor content, style, style2;
};

// Content resized to the style's size, so that the style image is scored without a resize.
const Images& images() {
  static const Images im = [] {
    Images i;
    i.style = nst::read_image(kExamples + "starry_night.jpg", 64);
    i.content = nst::resize_image(nst::read_image(kExamples + "chelsea.png", 64), static_cast<int>(i.style.size(2)),
                                  static_cast<int>(i.style.size(3)));
    i.style2 = nst::read_image(kExamples + "building.jpg", 64);
    return i;
  }();
  return im;
}

void expect_usage(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kUsage) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(Score, DefaultJudgeDiffersFromTheOptimizedNetwork) {
  const nst::ScoreOptions o;
  EXPECT_NE(o.judge_seed, nst::EmbeddedNetOptions{}.seed);
  EXPECT_NE(o.pooling, nst::StyleOptions{}.pooling);
  EXPECT_FALSE(judge_net().weights[0].equal(nst::make_embedded_vgg().weights[0]));
}

TEST(Score, ContentScoresZeroContentAndOneStyleExactly) {
  const auto& im = images();
  const nst::Judge judge(judge_net(), im.content, {im.style});
  const nst::ScoreResult r = judge.score(im.content);
  EXPECT_EQ(r.content, 0.0);
  EXPECT_EQ(r.content_distance, 0.0);
  EXPECT_EQ(r.style, 1.0);
  EXPECT_EQ(r.style_sliced, 1.0);
  EXPECT_GT(r.style_baseline, 0.0);
  EXPECT_GT(r.style_sliced_baseline, 0.0);
  EXPECT_EQ(r.style_layers.size(), 5u);
  EXPECT_EQ(r.content_layers.size(), 2u);
}

TEST(Score, StyleScoresZeroStyleAgainstItselfAndOneContent) {
  const auto& im = images();
  const nst::Judge judge(judge_net(), im.content, {im.style});
  const nst::ScoreResult r = judge.score(im.style);
  EXPECT_NEAR(r.style, 0.0, 1e-9);
  // Same size: the quantiles are the style's own sorted projections (up to interpolation rounding).
  EXPECT_NEAR(r.style_sliced, 0.0, 1e-6);
  EXPECT_EQ(r.content, 1.0);  // the style at the content's size is the content baseline itself
  for (const auto& [name, d] : r.style_layers) EXPECT_NEAR(d, 0.0, 1e-9) << name;
}

TEST(Score, ResizedStyleScoresOneContentAndSmallStyle) {
  // A content of another shape: the style image is resized to it, both for the baseline and
  // when it is scored, so content = 1 exactly; its Grams change a little with the resize.
  const auto& im = images();
  const at::Tensor content = nst::read_image(kExamples + "chelsea.png", 72);
  ASSERT_NE(content.sizes(), im.style.sizes());
  const nst::ScoreResult r = nst::score_image(judge_net(), im.style, content, {im.style});
  EXPECT_EQ(r.content, 1.0);
  EXPECT_GE(r.style, 0.0);
  EXPECT_LT(r.style, 0.3);
}

TEST(Score, BlendOfTwoStylesIsSymmetric) {
  const auto& im = images();
  nst::ScoreOptions ab, ba;
  ab.style_blend = {0.3, 0.7};
  ba.style_blend = {0.7, 0.3};
  const nst::ScoreResult x = nst::score_image(judge_net(), im.style, im.content, {im.style, im.style2}, ab);
  const nst::ScoreResult y = nst::score_image(judge_net(), im.style, im.content, {im.style2, im.style}, ba);
  EXPECT_NEAR(x.style, y.style, 1e-9 * std::max(1.0, x.style));
  EXPECT_NEAR(x.content, y.content, 1e-9 * std::max(1.0, x.content));
  EXPECT_NEAR(x.style_sliced, y.style_sliced, 1e-6 * std::max(1.0, x.style_sliced));
  // Equal blend: each style alone is half-way in Gram space, so neither scores 0.
  const nst::Judge judge(judge_net(), im.content, {im.style, im.style2});
  const double s1 = judge.score(im.style).style, s2 = judge.score(im.style2).style;
  EXPECT_GT(s1, 0.0);
  EXPECT_GT(s2, 0.0);
  EXPECT_EQ(judge.score(im.content).style, 1.0);
  // The mixture's quantiles are neither style's own: each alone is part-way, as with Grams.
  EXPECT_GT(judge.score(im.style).style_sliced, 0.0);
  EXPECT_LT(judge.score(im.style).style_sliced, 1.0);
}

TEST(Score, GramOptimizedImageUnderSameAndDifferentJudge) {
  const auto& im = images();
  nst::StyleOptions so;
  so.iterations = 20;
  const nst::VggWeights optimized = nst::make_embedded_vgg();
  const nst::StyleResult result = nst::run_style(optimized, im.content, {im.style}, so);
  // The judge that is the optimized network itself (its seed and average pooling) ...
  nst::ScoreOptions same;
  same.pooling = so.pooling;
  const nst::ScoreResult a = nst::score_image(optimized, result.image, im.content, {im.style}, same);
  // ... and the default judge, which the optimizer did not see.
  const nst::ScoreResult b = nst::score_image(judge_net(), result.image, im.content, {im.style});
  for (const auto* r : {&a, &b}) {
    EXPECT_TRUE(std::isfinite(r->style) && std::isfinite(r->content));
    EXPECT_GT(r->style, 0.0);
    EXPECT_LT(r->style, 1.0);  // 20 iterations move the image towards the style under any judge
    EXPECT_GT(r->content, 0.0);
    EXPECT_LT(r->content, 1.0);  // started from the content: still closer to it than the style is
    EXPECT_GT(r->style_sliced, 0.0);
    EXPECT_LT(r->style_sliced, 1.0);  // the distributions move towards the style's too
  }
  // Here (64 px, 20 iterations) the other judge rates the result worse, 0.117 vs 0.067, but that
  // is not asserted: at 128 px / 30 iterations (README) the two judges agree within 10 %.
  RecordProperty("same_judge_style", std::to_string(a.style));
  RecordProperty("other_judge_style", std::to_string(b.style));
  std::printf("Gram-optimized 20 it: same-network judge style=%.4f content=%.4f; other judge style=%.4f content=%.4f\n",
              a.style, a.content, b.style, b.content);
}

TEST(Score, Errors) {
  const auto& im = images();
  expect_usage([&] { nst::Judge(judge_net(), im.content, {}); }, "at least one style image");
  nst::ScoreOptions blend;
  blend.style_blend = {1.0, 2.0};
  expect_usage([&] { nst::Judge(judge_net(), im.content, {im.style}, blend); }, "--style-blend has 2 weights for 1");
  blend.style_blend = {-1.0};
  expect_usage([&] { nst::Judge(judge_net(), im.content, {im.style}, blend); }, "blend weights must be");
  nst::ScoreOptions layers;
  layers.content_layers = {"relu9_9"};
  expect_usage([&] { nst::Judge(judge_net(), im.content, {im.style}, layers); }, "relu9_9");
  const at::Tensor tiny = nst::resize_image(im.content, 16, 24);
  expect_usage([&] { nst::Judge(judge_net(), tiny, {im.style}); }, "too small for the judge's layers");
  expect_usage([&] { nst::Judge(judge_net(), im.content, {tiny}); }, "a style image is 24x16 px");
  expect_usage([&] { nst::Judge(judge_net(), im.content, {im.content}); }, "cannot tell the content image");
  const nst::Judge judge(judge_net(), im.content, {im.style});
  expect_usage([&] { judge.score(at::zeros({3, 8, 8})); }, "1x3xHxW");
}

}  // namespace
