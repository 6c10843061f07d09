// Keras .h5 and Caffe .caffemodel reading: fixtures written by h5py and python protobuf from the
// same weights as vgg19_narrow_reference.safetensors must give identical features; detection is
// by content; damaged files give nst::Error, never a crash. Fixtures:
// tests/fixtures/make_fixtures_keras_caffe.py.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "nst/error.h"
#include "nst/network.h"
#include "nst/weights.h"
#include "weights/caffemodel.h"
#include "weights/keras_h5.h"
#include "weights/protobuf_wire.h"
#include "test_files.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."  // the real build defines it as the repository root
#endif

namespace {

using nst::test::Bytes;
using nst::test::fixture;
using nst::test::read_all;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nst_test_kc_" + name)).string();
}

const char* kKerasFixtures[] = {"vgg19_narrow_keras2.h5", "vgg19_narrow_keras1.h5", "vgg19_narrow_keras1_old_f64.h5",
                                "vgg19_narrow_keras2_model.h5"};
const char* kCaffeFixtures[] = {"vgg19_narrow_v1.caffemodel", "vgg19_narrow_v2.caffemodel"};

// Runs a parser on damaged bytes: it may succeed or throw nst::Error, nothing else.
template <typename Parse>
void expect_refused_or_ok(const Bytes& bytes, Parse parse, const std::string& what) {
  try {
    parse(bytes);
  } catch (const nst::Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": non-nst exception: " << e.what();
  }
}

std::string error_of(const std::string& path) {
  try {
    nst::read_weight_file(path);
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kFormat) << e.what();
    return e.what();
  }
  ADD_FAILURE() << path << " was accepted";
  return "";
}

// ------------------------------------------------------------------ a tiny protobuf writer

void put_varint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}
void put_tag(Bytes& out, uint32_t field, int wire) { put_varint(out, (uint64_t{field} << 3) | wire); }
void put_bytes(Bytes& out, uint32_t field, const Bytes& payload) {
  put_tag(out, field, 2);
  put_varint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}
void put_string(Bytes& out, uint32_t field, const std::string& s) { put_bytes(out, field, Bytes(s.begin(), s.end())); }
void put_float(Bytes& out, uint32_t field, float f) {  // unpacked: one fixed32 per value
  put_tag(out, field, 5);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

// A legacy-dims blob with unpacked floats 0, 1, 2, ...
Bytes legacy_blob(int n, int c, int h, int w) {
  Bytes b;
  const int dims[] = {n, c, h, w};
  for (int i = 0; i < 4; ++i) {
    put_tag(b, i + 1, 0);
    put_varint(b, dims[i]);
  }
  for (int i = 0; i < n * c * h * w; ++i) put_float(b, 5, static_cast<float>(i));
  return b;
}

// ------------------------------------------------------------------ tests

TEST(KerasCaffe, FormatsAreDetectedFromContentNotName) {
  for (const char* name : kKerasFixtures) {
    const Bytes b = read_all(fixture(name));
    EXPECT_EQ(nst::detect_weight_format(b.data(), b.size()), nst::WeightFormat::kKerasH5) << name;
  }
  for (const char* name : kCaffeFixtures) {
    const Bytes b = read_all(fixture(name));
    EXPECT_EQ(nst::detect_weight_format(b.data(), b.size()), nst::WeightFormat::kCaffemodel) << name;
  }
  // The model file has a 512-byte user block: the signature is not at offset 0.
  const Bytes model = read_all(fixture("vgg19_narrow_keras2_model.h5"));
  EXPECT_NE(model[0], 0x89);
  EXPECT_EQ(nst::to_string(nst::WeightFormat::kKerasH5), "keras-h5");
  EXPECT_EQ(nst::to_string(nst::WeightFormat::kCaffemodel), "caffemodel");
  // Other formats' fixtures are not mistaken for a caffemodel.
  for (const char* name : {"vgg19_narrow_reference.safetensors", "vgg19_narrow_legacy.pth", "vgg19_narrow_zip_dict.pth"}) {
    const Bytes b = read_all(fixture(name));
    EXPECT_NE(nst::detect_weight_format(b.data(), b.size()), nst::WeightFormat::kCaffemodel) << name;
  }
  const std::string text = "definitely not weights";
  EXPECT_EQ(nst::detect_weight_format(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
            nst::WeightFormat::kUnknown);
  // Wrong extensions do not matter.
  const std::pair<const char*, const char*> renamed[] = {{"vgg19_narrow_keras2.h5", "w.caffemodel"},
                                                         {"vgg19_narrow_v1.caffemodel", "w.h5"},
                                                         {"vgg19_narrow_v2.caffemodel", "w.pth"}};
  for (const auto& [name, as] : renamed) {
    const std::string copy = temp_path(as);
    std::filesystem::copy_file(fixture(name), copy, std::filesystem::copy_options::overwrite_existing);
    const nst::WeightFile f = nst::read_weight_file(copy);
    EXPECT_EQ(f.format, std::string(name).find(".h5") != std::string::npos ? nst::WeightFormat::kKerasH5
                                                                              : nst::WeightFormat::kCaffemodel);
    EXPECT_EQ(f.tensors.size(), 32u) << name;
    std::filesystem::remove(copy);
  }
}

TEST(KerasCaffe, EveryFixtureHoldsTheReferenceConvWeights) {
  const nst::StateDict ref_dict = [] {
    const Bytes b = read_all(fixture("vgg19_narrow_reference.safetensors"));
    return nst::parse_safetensors(b.data(), b.size());
  }();
  const nst::VggWeights ref = nst::vgg_from_state_dict(ref_dict, nst::Preprocess::kCaffe);
  std::vector<std::string> all(std::begin(kKerasFixtures), std::end(kKerasFixtures));
  all.insert(all.end(), std::begin(kCaffeFixtures), std::end(kCaffeFixtures));
  for (const std::string& name : all) {
    SCOPED_TRACE(name);
    const nst::WeightFile f = nst::read_weight_file(fixture(name));
    EXPECT_EQ(f.preprocess, nst::Preprocess::kCaffe);
    EXPECT_FALSE(f.preprocess_reason.empty());
    ASSERT_EQ(f.tensors.size(), 32u);  // 16 convs; Dense / fc layers are skipped
    EXPECT_EQ(f.tensors[0].first, "conv1_1.weight");
    EXPECT_EQ(f.tensors[31].first, "conv5_4.bias");
    const nst::VggWeights w = nst::vgg_from_state_dict(f.tensors, f.preprocess);
    EXPECT_EQ(w.arch, nst::VggArch::kVgg19);
    for (size_t i = 0; i < 16; ++i) {
      EXPECT_EQ(w.weights[i].scalar_type(), at::kFloat);
      EXPECT_TRUE(w.weights[i].is_contiguous());
      EXPECT_TRUE(at::equal(w.weights[i], ref.weights[i])) << i;
      EXPECT_TRUE(at::equal(w.biases[i], ref.biases[i])) << i;
    }
  }
}

TEST(KerasCaffe, SameFeaturesAsTheSafetensorsReference) {
  at::manual_seed(7);
  const at::Tensor image = at::rand({1, 3, 40, 36});
  const std::vector<std::string> layers{"relu1_1", "relu3_2", "relu5_4"};
  const auto want = nst::FeatureNet(nst::load_weights(fixture("vgg19_narrow_reference.safetensors"), nst::VggArch::kVgg19,
                                                      "caffe"),
                                    nst::Pooling::kMax, layers)
                        .forward(image);
  std::vector<std::string> all(std::begin(kKerasFixtures), std::end(kKerasFixtures));
  all.insert(all.end(), std::begin(kCaffeFixtures), std::end(kCaffeFixtures));
  for (const std::string& name : all) {
    SCOPED_TRACE(name);
    const nst::VggWeights w = nst::load_weights(fixture(name), nst::VggArch::kVgg19);  // caffe by default
    EXPECT_EQ(w.preprocess, nst::Preprocess::kCaffe);
    const auto got = nst::FeatureNet(w, nst::Pooling::kMax, layers).forward(image);
    for (const auto& l : layers) {
      EXPECT_TRUE(at::allclose(got.at(l), want.at(l), /*rtol=*/1e-6, /*atol=*/1e-6)) << l;
    }
  }
}

TEST(KerasCaffe, TruncatedFilesAreRefused) {
  std::vector<std::string> all(std::begin(kKerasFixtures), std::end(kKerasFixtures));
  all.insert(all.end(), std::begin(kCaffeFixtures), std::end(kCaffeFixtures));
  for (const std::string& name : all) {
    const Bytes b = read_all(fixture(name));
    const bool h5 = name.find(".h5") != std::string::npos;
    for (size_t keep : {size_t{1}, size_t{7}, size_t{9}, size_t{100}, size_t{600}, size_t{2048}, b.size() / 3,
                        b.size() / 2, b.size() - 100, b.size() - 1}) {
      SCOPED_TRACE(name + " cut to " + std::to_string(keep));
      if (h5) {
        EXPECT_THROW(nst::detail::parse_keras_h5(b.data(), keep), nst::Error);
      } else {
        EXPECT_THROW(nst::detail::parse_caffemodel(b.data(), keep), nst::Error);
      }
    }
  }
  const std::string cut = temp_path("cut.h5");
  const Bytes b = read_all(fixture("vgg19_narrow_keras2.h5"));
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), 5000);
  const std::string message = error_of(cut);
  EXPECT_NE(message.find(cut + ": keras h5:"), std::string::npos) << message;
  std::filesystem::remove(cut);
}

TEST(KerasCaffe, RandomByteFlipsGiveErrorsNotCrashes) {
  const Bytes clean = read_all(fixture("vgg19_narrow_keras2.h5"));
  const nst::StateDict before = nst::detail::parse_keras_h5(clean.data(), clean.size());
  std::mt19937 rng(2024);
  std::vector<std::string> all(std::begin(kKerasFixtures), std::end(kKerasFixtures));
  all.insert(all.end(), std::begin(kCaffeFixtures), std::end(kCaffeFixtures));
  for (const std::string& name : all) {
    const Bytes original = read_all(fixture(name));
    const bool h5 = name.find(".h5") != std::string::npos;
    for (int trial = 0; trial < 60; ++trial) {
      Bytes b = original;
      // Half the trials hit the first 4 KiB, where HDF5's superblock, object headers and the
      // protobuf tags of the first layers are.
      const size_t span = trial % 2 ? b.size() : std::min<size_t>(b.size(), 4096);
      for (int k = 0; k < 1 + trial % 4; ++k) b[rng() % span] ^= static_cast<uint8_t>(1 + rng() % 255);
      expect_refused_or_ok(
          b,
          [&](const Bytes& bytes) {
            return h5 ? nst::detail::parse_keras_h5(bytes.data(), bytes.size())
                      : nst::detail::parse_caffemodel(bytes.data(), bytes.size());
          },
          name + " trial " + std::to_string(trial));
    }
  }
  // A corrupt file HDF5 could not close must not leak into the next parse.
  const nst::StateDict after = nst::detail::parse_keras_h5(clean.data(), clean.size());
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_TRUE(at::equal(after[i].second, before[i].second)) << after[i].first;
}

TEST(KerasCaffe, WrongShapesNameTheDatasetAndTheExpectedShape) {
  const std::string keras = error_of(fixture("keras_bad_kernel_shape.h5"));
  EXPECT_NE(keras.find("dataset '/block1_conv1/block1_conv1/kernel:0' has shape [3,3,4]"), std::string::npos) << keras;
  EXPECT_NE(keras.find("expected a 4-D HWIO kernel [kh,kw,in,out]"), std::string::npos) << keras;
  const std::string caffe = error_of(fixture("caffe_bad_blob.caffemodel"));
  EXPECT_NE(caffe.find("caffemodel layer 'conv1_1' blob 0 has 100 values, its shape [4,3,3,3] needs 108"),
            std::string::npos)
      << caffe;
}

TEST(KerasCaffe, CaffemodelWithoutConvLayersIsRefusedClearly) {
  const std::string message = error_of(fixture("caffe_no_conv.caffemodel"));
  EXPECT_NE(message.find("caffemodel has no convolution layers with weights (3 layers: fc6, fc7, fc8)"),
            std::string::npos)
      << message;
}

TEST(KerasCaffe, UnpackedFloatsLegacyDimsAndV0Layers) {
  // V1 layer: name=4, type=5 (CONVOLUTION), blobs=6 with legacy dims and one fixed32 per value.
  Bytes v1;
  put_string(v1, 4, "conv1_1");
  put_tag(v1, 5, 0);
  put_varint(v1, 4);
  put_bytes(v1, 6, legacy_blob(2, 3, 3, 3));
  put_bytes(v1, 6, legacy_blob(1, 1, 1, 2));
  // V0 layer wrapped in a V1 layer (field 1): name=1, type=2 "conv", blobs=50.
  Bytes v0;
  put_string(v0, 1, "conv1_2");
  put_string(v0, 2, "conv");
  put_bytes(v0, 50, legacy_blob(2, 2, 3, 3));
  Bytes v0_wrapper;
  put_bytes(v0_wrapper, 1, v0);
  Bytes net;
  put_string(net, 1, "hand-made");
  put_bytes(net, 2, v1);
  put_bytes(net, 2, v0_wrapper);
  EXPECT_TRUE(nst::detail::looks_like_caffemodel(net.data(), net.size()));
  const nst::StateDict d = nst::detail::parse_caffemodel(net.data(), net.size());
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].first, "conv1_1.weight");
  EXPECT_EQ(d[0].second.sizes(), (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_EQ(d[0].second.flatten()[53].item<float>(), 53.f);
  EXPECT_EQ(d[1].second.sizes(), (std::vector<int64_t>{2}));  // [1,1,1,2] -> [2]
  EXPECT_EQ(d[2].first, "conv1_2.weight");
  EXPECT_EQ(d[3].first, "conv1_2.bias");
  EXPECT_TRUE(at::equal(d[3].second, at::zeros({2})));  // no bias blob: bias_term false
}

TEST(ProtobufWire, MalformedInputIsRefusedWithTheOffset) {
  const Bytes overlong(11, 0xff);
  nst::detail::WireReader r(overlong.data(), overlong.size(), "test");
  nst::detail::WireField f;
  try {
    r.next(f);
    ADD_FAILURE() << "accepted";
  } catch (const nst::Error& e) {
    EXPECT_NE(std::string(e.what()).find("test: truncated or overlong varint"), std::string::npos) << e.what();
  }
  const Bytes zero_field{0x02, 0x00};  // field number 0
  nst::detail::WireReader z(zero_field.data(), zero_field.size(), "test");
  EXPECT_THROW(z.next(f), nst::Error);
  const Bytes group{0x0b};  // wire type 3 (start group)
  nst::detail::WireReader g(group.data(), group.size(), "test");
  EXPECT_THROW(g.next(f), nst::Error);
  const Bytes past_end{0x0a, 0x05, 0x01};  // claims 5 bytes, has 1
  nst::detail::WireReader p(past_end.data(), past_end.size(), "test");
  try {
    p.next(f);
    ADD_FAILURE() << "accepted";
  } catch (const nst::Error& e) {
    EXPECT_NE(std::string(e.what()).find("field 1 claims 5 bytes, only 1 left"), std::string::npos) << e.what();
  }
  // Packed floats must be a multiple of 4 bytes.
  Bytes odd;
  put_bytes(odd, 5, Bytes{1, 2, 3});
  nst::detail::WireReader o(odd.data(), odd.size(), "test");
  ASSERT_TRUE(o.next(f));
  std::vector<float> values;
  EXPECT_THROW(nst::detail::append_floats(f, values, "blob"), nst::Error);
}

TEST(KerasCaffe, NotAKerasFileIsRefusedByName) {
  const std::string message = error_of(fixture("hdf5_not_keras.h5"));
  EXPECT_NE(message.find("no 'layer_names' attribute on / and no /model_weights group"), std::string::npos) << message;
  // A bare signature is refused by HDF5 itself; without one HDF5 is never asked.
  Bytes sig{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  sig.resize(64, 0);
  EXPECT_TRUE(nst::detail::has_hdf5_signature(sig.data(), sig.size()));
  EXPECT_THROW(nst::detail::parse_keras_h5(sig.data(), sig.size()), nst::Error);
  const Bytes none(100, 0);
  EXPECT_FALSE(nst::detail::has_hdf5_signature(none.data(), none.size()));
  EXPECT_THROW(nst::detail::parse_keras_h5(none.data(), none.size()), nst::Error);
}

}  // namespace
