#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/preprocess.h"

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nst_test_" + name)).string();
}

at::Tensor gradient_image(int h, int w) {
  at::Tensor y = at::linspace(0, 1, h).view({1, 1, h, 1}).expand({1, 1, h, w});
  at::Tensor x = at::linspace(0, 1, w).view({1, 1, 1, w}).expand({1, 1, h, w});
  return at::cat({y, x, (x + y) / 2}, 1).contiguous();
}

TEST(Preprocess, RoundTripIsLosslessForEveryByteValue) {
  // Every 8-bit value in every channel survives preprocess -> deprocess -> quantize.
  at::Tensor values = at::arange(256, at::kFloat).div(255.0).view({1, 1, 16, 16}).repeat({1, 3, 1, 1});
  for (auto convention : {nst::Preprocess::kCaffe, nst::Preprocess::kTorchvision}) {
    at::Tensor back = nst::deprocess(nst::preprocess(values, convention), convention);
    EXPECT_TRUE(at::equal((back * 255).round(), (values * 255).round())) << nst::to_string(convention);
    EXPECT_LT((back - values).abs().max().item<float>(), 1e-4);
  }
}

TEST(Preprocess, CaffeIsBgrMinusMean) {
  at::Tensor pixel = at::tensor({1.0f, 0.5f, 0.0f}).view({1, 3, 1, 1});  // R=1, G=.5, B=0
  at::Tensor out = nst::preprocess(pixel, nst::Preprocess::kCaffe);
  EXPECT_NEAR(out[0][0][0][0].item<float>(), 0.0f - 103.939f, 1e-3);   // B
  EXPECT_NEAR(out[0][1][0][0].item<float>(), 127.5f - 116.779f, 1e-3);  // G
  EXPECT_NEAR(out[0][2][0][0].item<float>(), 255.0f - 123.68f, 1e-3);   // R
  at::Tensor tv = nst::preprocess(pixel, nst::Preprocess::kTorchvision);
  EXPECT_NEAR(tv[0][0][0][0].item<float>(), (1.0f - 0.485f) / 0.229f, 1e-4);
}

TEST(ImageIo, PngRoundTripIsExactTo8Bits) {
  at::Tensor image = (gradient_image(40, 56) * 255).round() / 255;
  const std::string path = temp_path("roundtrip.png");
  nst::write_image(image, path);
  at::Tensor back = nst::read_image(path);
  ASSERT_EQ(back.sizes(), image.sizes());
  EXPECT_LT((back - image).abs().max().item<float>(), 0.5f / 255);
  std::remove(path.c_str());
}

TEST(ImageIo, SixteenBitTiffKeepsPrecision) {
  at::Tensor image = gradient_image(32, 48);
  const std::string path = temp_path("sixteen.tif");
  nst::write_image(image, path);
  at::Tensor back = nst::read_image(path);
  EXPECT_LT((back - image).abs().max().item<float>(), 1.0f / 65535 + 1e-6);
  std::remove(path.c_str());
}

TEST(ImageIo, ResizesLongestSide) {
  const std::string path = temp_path("resize.png");
  nst::write_image(gradient_image(60, 120), path);
  at::Tensor small = nst::read_image(path, 64);
  EXPECT_EQ(small.size(3), 64);
  EXPECT_EQ(small.size(2), 32);
  EXPECT_EQ(nst::probe_image(path).width, 120);
  std::remove(path.c_str());
}

TEST(ImageIo, GreyBecomesRgb) {
  // A JPEG written from identical channels comes back as 3 equal channels.
  const std::string path = temp_path("grey.png");
  at::Tensor grey = gradient_image(32, 32).narrow(1, 0, 1).repeat({1, 3, 1, 1});
  nst::write_image(grey, path);
  at::Tensor back = nst::read_image(path);
  EXPECT_EQ(back.size(1), 3);
  std::remove(path.c_str());
}

TEST(ImageIo, ErrorsNameTheProblem) {
  try {
    nst::read_image("/nonexistent/x.png");
    FAIL();
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
  }
  const std::string empty = temp_path("empty.png");
  std::ofstream(empty).close();
  EXPECT_THROW(nst::read_image(empty), nst::Error);
  const std::string junk = temp_path("junk.png");
  std::ofstream(junk) << "this is not a png file at all";
  EXPECT_THROW(nst::read_image(junk), nst::Error);
  std::remove(empty.c_str());
  std::remove(junk.c_str());
}

TEST(ImageIo, WriteIntoMissingFolderFailsAndLeavesNothing) {
  EXPECT_THROW(nst::write_image(gradient_image(8, 8), "/nonexistent_folder_nst/out.png"), nst::Error);
  EXPECT_THROW(nst::write_image(gradient_image(8, 8), temp_path("out.bmpx")), nst::Error);
}

}  // namespace
