// trim_uniform_border: a style image's scan frame is dropped, a frameless image is left alone.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/image.h"

namespace {

at::Tensor texture(int64_t h, int64_t w, uint64_t seed) {
  return at::rand({1, 3, h, w}, at::detail::createCPUGenerator(seed), at::kFloat);
}

TEST(BorderTrim, FramelessImageIsReturnedUnchanged) {
  at::Tensor t = texture(40, 60, 1);
  EXPECT_TRUE(nst::trim_uniform_border(t).is_same(t));
}

TEST(BorderTrim, BlackFrameAndTransitionAreRemoved) {
  // A 5 px black frame on top and left, 3 px on the right, none at the bottom.
  at::Tensor t = texture(80, 100, 2);
  t.narrow(2, 0, 5).zero_();
  t.narrow(3, 0, 5).zero_();
  t.narrow(3, 97, 3).zero_();
  at::Tensor trimmed = nst::trim_uniform_border(t, 0.02, /*transition=*/2);
  EXPECT_EQ(trimmed.size(2), 80 - 7);
  EXPECT_EQ(trimmed.size(3), 100 - 7 - 5);
  EXPECT_TRUE(at::equal(trimmed, t.narrow(2, 7, 73).narrow(3, 7, 88)));
}

TEST(BorderTrim, AFlatImageKeepsMostOfItself) {
  // Uniform everywhere: at most max_fraction per side goes.
  at::Tensor t = at::full({1, 3, 64, 64}, 0.5);
  at::Tensor trimmed = nst::trim_uniform_border(t, 0.02, 2, 0.125);
  EXPECT_EQ(trimmed.size(2), 64 - 2 * 8);
  EXPECT_EQ(trimmed.size(3), 64 - 2 * 8);
}

TEST(BorderTrim, RejectsNonImages) { EXPECT_THROW(nst::trim_uniform_border(at::zeros({3, 4, 4})), std::exception); }

}  // namespace
