// The picture the user keeps: the saved image is the optimized one.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

const nst::VggWeights& embedded() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

TEST(Picture, BoxedRunSavesTheOptimizedImage) {
  // The saved image (clamped to [0,1]) scores within 2 % of the last iterate under the run's own
  // objective; the unbounded run's saved image does not (that is what the box is for).
  const at::Tensor content = nst::read_image(kExamples + "chelsea.png", 64);
  const std::vector<at::Tensor> styles{nst::trim_uniform_border(nst::read_image(kExamples + "starry_night.jpg", 64))};
  for (const auto method : {nst::BoundsMethod::kBox, nst::BoundsMethod::kClamp}) {
    nst::StyleOptions o;
    o.iterations = 40;
    o.bounds = method;
    at::Tensor last;
    const nst::StyleResult r = nst::run_style(embedded(), content, styles, o, [&](const nst::IterationReport&, const at::Tensor& x) {
      last = x.clone();
      return true;
    });
    std::vector<std::string> layers = o.content_layers;
    layers.insert(layers.end(), o.style_layers.begin(), o.style_layers.end());
    const nst::FeatureNet net(embedded(), o.pooling, layers);
    nst::detail::StyleObjective f(net, content, styles, o);
    at::Tensor g;
    const double iterate = f(last, g), saved = f(r.image, g);
    if (method == nst::BoundsMethod::kBox) {
      EXPECT_GE(last.min().item<float>(), 0.0f);
      EXPECT_LE(last.max().item<float>(), 1.0f);
      EXPECT_LT(saved, 1.02 * iterate);
    } else {
      EXPECT_GT(saved, 1.1 * iterate) << "the clamped unbounded run was expected to lose more than 10 %";
    }
  }
}

}  // namespace
