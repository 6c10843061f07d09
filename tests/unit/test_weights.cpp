#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nst/error.h"
#include "nst/weights.h"

namespace {

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nst_test_" + name)).string();
}

TEST(Safetensors, RoundTripKeepsNamesOrderValuesAndMetadata) {
  nst::StateDict dict{{"b.weight", at::randn({3, 2})}, {"a.bias", at::randn({5})}, {"scalar", at::tensor(2.5f)}};
  const std::string path = temp_path("rt.safetensors");
  nst::write_safetensors(path, dict, {{"preprocess", "torchvision"}});
  auto bytes = read_all(path);
  EXPECT_EQ(nst::detect_weight_format(bytes.data(), bytes.size()), nst::WeightFormat::kSafetensors);
  std::map<std::string, std::string> meta;
  auto back = nst::parse_safetensors(bytes.data(), bytes.size(), &meta);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].first, "b.weight");  // file order, not alphabetical
  EXPECT_TRUE(at::equal(back[0].second, dict[0].second));
  EXPECT_TRUE(at::equal(back[1].second, dict[1].second));
  EXPECT_EQ(meta["preprocess"], "torchvision");
  std::filesystem::remove(path);
}

TEST(Safetensors, CorruptFilesAreRefusedWithAReason) {
  const std::string path = temp_path("c.safetensors");
  nst::write_safetensors(path, {{"w", at::randn({4, 4})}});
  auto bytes = read_all(path);
  // Truncated data.
  EXPECT_THROW(nst::parse_safetensors(bytes.data(), bytes.size() - 4), nst::Error);
  // Truncated header.
  EXPECT_THROW(nst::parse_safetensors(bytes.data(), 12), nst::Error);
  // Header length pointing past the end.
  auto huge = bytes;
  huge[5] = 0x7f;
  EXPECT_THROW(nst::parse_safetensors(huge.data(), huge.size()), nst::Error);
  // Too short to hold a header length.
  EXPECT_THROW(nst::parse_safetensors(bytes.data(), 3), nst::Error);
  std::filesystem::remove(path);
}

TEST(Weights, EmbeddedNetSurvivesSafetensorsRoundTrip) {
  nst::VggWeights w = nst::make_embedded_vgg();
  const std::string path = temp_path("vgg.safetensors");
  nst::write_safetensors(path, nst::state_dict_from_vgg(w), {{"preprocess", "torchvision"}, {"padding", "reflect"}});
  nst::VggWeights back = nst::load_weights(path, nst::VggArch::kVgg19);
  EXPECT_EQ(back.arch, nst::VggArch::kVgg19);
  EXPECT_EQ(back.preprocess, nst::Preprocess::kTorchvision);
  EXPECT_EQ(back.padding, nst::Padding::kReflect);
  for (size_t i = 0; i < w.weights.size(); ++i) EXPECT_TRUE(at::equal(w.weights[i], back.weights[i]));
  std::filesystem::remove(path);
}

TEST(Weights, TorchvisionKeysMapToLayers) {
  // features.N indices as torchvision numbers them for VGG16 (13 convs).
  const int indices[] = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
  nst::StateDict dict;
  int64_t in = 3;
  for (int i : indices) {
    dict.emplace_back("features." + std::to_string(i) + ".weight", at::zeros({8, in, 3, 3}));
    dict.emplace_back("features." + std::to_string(i) + ".bias", at::zeros({8}));
    in = 8;
  }
  dict.emplace_back("classifier.0.weight", at::zeros({4, 4}));
  nst::VggWeights w = nst::vgg_from_state_dict(dict, nst::Preprocess::kCaffe);
  EXPECT_EQ(w.arch, nst::VggArch::kVgg16);
  dict.erase(dict.begin());  // drop features.0.weight
  EXPECT_THROW(nst::vgg_from_state_dict(dict, nst::Preprocess::kCaffe), nst::Error);
}

TEST(Weights, UnknownFileFormatIsRefused) {
  const std::string path = temp_path("junk.bin");
  std::ofstream(path) << "definitely not weights";
  try {
    nst::load_weights(path, nst::VggArch::kVgg19);
    FAIL();
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kFormat);
  }
  EXPECT_THROW(nst::load_weights("/nonexistent.safetensors", nst::VggArch::kVgg19), nst::Error);
  std::filesystem::remove(path);
}

}  // namespace
