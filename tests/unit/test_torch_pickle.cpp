// PyTorch .pth reading: every fixture (zip dict, zip OrderedDict, legacy stream, Gatys keys,
// odd dtypes and views) against a safetensors reference; hostile and damaged files refused.
// Fixtures: tests/fixtures/make_fixtures.py.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "nst/error.h"
#include "nst/network.h"
#include "nst/weights.h"
#include "weights/known_files.h"
#include "weights/pickle_vm.h"
#include "weights/sha256.h"
#include "test_files.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."  // the real build defines it as the repository root
#endif

namespace {

using nst::test::Bytes;
using nst::test::fixture;
using nst::test::read_all;

// A string literal with embedded NULs, as bytes.
template <size_t N>
std::string lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}

nst::StateDict load_fixture(const std::string& name) {
  const Bytes b = read_all(fixture(name));
  return nst::parse_torch_checkpoint(b.data(), b.size());
}

nst::StateDict reference(const std::string& name) {
  const Bytes b = read_all(fixture(name));
  return nst::parse_safetensors(b.data(), b.size());
}

void expect_same(const nst::StateDict& got, const nst::StateDict& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first);
    EXPECT_EQ(got[i].second.scalar_type(), at::kFloat) << got[i].first;
    EXPECT_TRUE(got[i].second.sizes() == want[i].second.sizes()) << got[i].first;
    EXPECT_TRUE(at::equal(got[i].second, want[i].second)) << got[i].first;
  }
}

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

const char* kVggFixtures[] = {"vgg19_narrow_zip_dict.pth", "vgg19_narrow_zip_ordered.pth", "vgg19_narrow_legacy.pth"};

TEST(TorchPickle, DetectsFormatsFromContent) {
  auto format = [](const std::string& name) {
    const Bytes b = read_all(fixture(name));
    return nst::detect_weight_format(b.data(), b.size());
  };
  EXPECT_EQ(format("vgg19_narrow_zip_dict.pth"), nst::WeightFormat::kTorchZip);
  EXPECT_EQ(format("vgg19_narrow_zip_ordered.pth"), nst::WeightFormat::kTorchZip);
  EXPECT_EQ(format("vgg19_narrow_legacy.pth"), nst::WeightFormat::kTorchLegacy);
  EXPECT_EQ(format("vgg19_narrow_reference.safetensors"), nst::WeightFormat::kSafetensors);
}

TEST(TorchPickle, EveryVggFixtureMatchesTheReference) {
  const nst::StateDict want = reference("vgg19_narrow_reference.safetensors");
  ASSERT_EQ(want.size(), 38u);  // 16 convs + 3 linear layers, weight and bias each
  for (const char* name : kVggFixtures) {
    SCOPED_TRACE(name);
    expect_same(load_fixture(name), want);
  }
}

TEST(TorchPickle, DtypesViewsAndParametersMatchTheReference) {
  const nst::StateDict want = reference("misc_reference.safetensors");
  for (const char* name : {"misc_zip.pth", "misc_legacy.pth"}) {
    SCOPED_TRACE(name);
    const nst::StateDict got = load_fixture(name);
    expect_same(got, want);  // integer num_batches_tracked and the string entry are skipped
  }
}

TEST(TorchPickle, GatysKeysMapToTheSameLayers) {
  const nst::StateDict want = reference("vgg19_narrow_reference.safetensors");
  const nst::VggWeights ref = nst::vgg_from_state_dict(want, nst::Preprocess::kCaffe);
  const nst::VggWeights w = nst::load_weights(fixture("gatys_narrow.pth"), nst::VggArch::kVgg19);
  EXPECT_EQ(w.preprocess, nst::Preprocess::kCaffe);
  ASSERT_EQ(w.weights.size(), 16u);
  for (size_t i = 0; i < 16; ++i) {
    EXPECT_TRUE(at::equal(w.weights[i], ref.weights[i]));
    EXPECT_TRUE(at::equal(w.biases[i], ref.biases[i]));
  }
}

TEST(TorchPickle, SameFeaturesFromEveryFormat) {
  // Convert once to nst's cache format, then compare all routes to the network.
  const std::string converted = (std::filesystem::temp_directory_path() / "nst_test_pth.safetensors").string();
  nst::WeightFile f = nst::read_weight_file(fixture("vgg19_narrow_legacy.pth"));
  EXPECT_EQ(f.preprocess, nst::Preprocess::kTorchvision);  // features.N keys, unknown hash
  nst::write_safetensors(converted, nst::state_dict_from_vgg(nst::vgg_from_state_dict(f.tensors, f.preprocess)),
                         {{"preprocess", "torchvision"}});
  at::manual_seed(7);
  const at::Tensor image = at::rand({1, 3, 40, 36});
  const std::vector<std::string> layers{"relu1_1", "relu3_2", "relu5_4"};
  std::map<std::string, at::Tensor> want;
  for (const std::string& path : {fixture(kVggFixtures[0]), fixture(kVggFixtures[1]), fixture(kVggFixtures[2]),
                                  fixture("gatys_narrow.pth"), fixture("vgg19_narrow_reference.safetensors"), converted}) {
    SCOPED_TRACE(path);
    const nst::VggWeights w = nst::load_weights(path, nst::VggArch::kVgg19, "torchvision");
    const auto got = nst::FeatureNet(w, nst::Pooling::kMax, layers).forward(image);
    if (want.empty()) {
      want = got;
      continue;
    }
    for (const auto& name : layers) EXPECT_TRUE(at::equal(got.at(name), want.at(name))) << name;
  }
  std::filesystem::remove(converted);
}

TEST(TorchPickleSafety, ForeignGlobalsAreRefusedByName) {
  const std::pair<const char*, const char*> cases[] = {{"malicious_os_system.pth", "'os.system'"},
                                                       {"malicious_reduce.pth", "'posix.system'"},
                                                       {"malicious_legacy.pth", "'posix.system'"}};
  for (const auto& [name, global] : cases) {
    SCOPED_TRACE(name);
    try {
      load_fixture(name);
      ADD_FAILURE() << "accepted";
    } catch (const nst::Error& e) {
      EXPECT_EQ(e.kind(), nst::ErrorKind::kFormat);
      EXPECT_NE(std::string(e.what()).find("refusing pickle global " + std::string(global)), std::string::npos)
          << e.what();
    }
  }
  // STACK_GLOBAL (protocol 4) goes through the same allowlist.
  const std::string p = "\x80\x04\x8c\x08" "builtins" "\x8c\x04" "eval" "\x93)R.";
  try {
    nst::detail::run_pickle(reinterpret_cast<const uint8_t*>(p.data()), p.size());
    ADD_FAILURE() << "accepted builtins.eval";
  } catch (const nst::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'builtins.eval'"), std::string::npos) << e.what();
  }
}

TEST(TorchPickleSafety, CompressedZipEntriesAreRefused) {
  try {
    load_fixture("compressed_zip.pth");
    ADD_FAILURE() << "accepted";
  } catch (const nst::Error& e) {
    EXPECT_NE(std::string(e.what()).find("compressed"), std::string::npos) << e.what();
  }
}

TEST(TorchPickleSafety, TruncatedFilesThrowAndNeverCrash) {
  for (const char* name : {"vgg19_narrow_zip_ordered.pth", "vgg19_narrow_legacy.pth", "misc_zip.pth", "misc_legacy.pth"}) {
    const Bytes full = read_all(fixture(name));
    for (size_t cut = 0; cut < full.size(); cut += (cut < 600 ? 1 : 97)) {
      const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));  // exact-size heap copy
      EXPECT_THROW(nst::parse_torch_checkpoint(part.data(), part.size()), nst::Error) << name << " cut at " << cut;
    }
  }
}

TEST(TorchPickleSafety, CorruptZipDirectoryIsRefused) {
  const Bytes good = read_all(fixture("vgg19_narrow_zip_ordered.pth"));
  // The zip64 end record's central-directory offset (8 bytes at +48): point it past the end.
  size_t end64 = good.size();
  for (size_t i = good.size() - 4; i-- > 0;) {
    if (good[i] == 'P' && good[i + 1] == 'K' && good[i + 2] == 6 && good[i + 3] == 6) { end64 = i; break; }
  }
  ASSERT_LT(end64, good.size());
  Bytes bad = good;
  bad[end64 + 48 + 3] = 0x7f;
  EXPECT_THROW(nst::parse_torch_checkpoint(bad.data(), bad.size()), nst::Error);
  // The first central entry's local-header offset (4 bytes at +42): point it into the data.
  size_t central = 0;
  for (size_t i = 0; i + 4 < good.size(); ++i) {
    if (good[i] == 'P' && good[i + 1] == 'K' && good[i + 2] == 1 && good[i + 3] == 2) { central = i; break; }
  }
  ASSERT_GT(central, 0u);
  bad = good;
  bad[central + 42] ^= 0x55;
  EXPECT_THROW(nst::parse_torch_checkpoint(bad.data(), bad.size()), nst::Error);
  // An entry size far beyond the file.
  bad = good;
  bad[central + 24 + 3] = 0x70;
  bad[central + 20 + 3] = 0x70;
  EXPECT_THROW(nst::parse_torch_checkpoint(bad.data(), bad.size()), nst::Error);
}

TEST(TorchPickleSafety, RandomByteFlipsOnlyEverThrowNstErrors) {
  std::mt19937 rng(2024);
  for (const char* name : {"vgg19_narrow_zip_ordered.pth", "vgg19_narrow_legacy.pth", "misc_zip.pth", "misc_legacy.pth"}) {
    const Bytes good = read_all(fixture(name));
    for (int trial = 0; trial < 400; ++trial) {
      Bytes bad = good;
      // Flip bytes in the pickle-heavy head and zip tail mostly: that is where structure lives.
      for (int k = 0; k < 1 + trial % 4; ++k) {
        const size_t region = std::min<size_t>(bad.size(), 6000);
        const size_t pos = (trial % 2) ? rng() % region : bad.size() - 1 - rng() % region;
        bad[pos] = static_cast<uint8_t>(rng());
      }
      expect_refused_or_ok(bad, [](const Bytes& b) { nst::parse_torch_checkpoint(b.data(), b.size()); }, name);
    }
  }
}

TEST(TorchPickleSafety, HostilePicklesAreRefusedWithoutRecursion) {
  auto run = [](const std::string& p) {
    return nst::detail::run_pickle(reinterpret_cast<const uint8_t*>(p.data()), p.size());
  };
  // GLOBAL without a name, missing memo entry, MARK underflow, APPENDS without MARK, oversized
  // LONG1, text-protocol INT, string longer than the data, a persistent id naming a non-storage.
  const std::string hostile[] = {
      lit("\x80\x02" "c"), lit("\x80\x02h\x05."), lit("\x80\x02(t0."), lit("\x80\x02" "e."),
      lit("\x80\x02\x8a\x09" "123456789."), lit("\x80\x02I1\n."), lit("\x80\x02X\xff\xff\xff\xff" "ab."),
      lit("\x80\x02(X\x07\0\0\0storageccollections\nOrderedDict\nX\x01\0\0\0" "0X\x03\0\0\0cpuK\x01tQ.")};
  for (const std::string& p : hostile) EXPECT_THROW(run(p), nst::Error) << p.size();
  // 200k lists nested through the memo, the last one appended to itself: no recursion anywhere.
  std::string deep = lit("\x80\x02]q\x00");
  for (int i = 0; i < 200000; ++i) deep += lit("0]h\x00" "aq\x00");  // new list holding the previous
  deep += lit("h\x00" "a.");
  const nst::detail::Pickle p = run(deep);
  EXPECT_EQ(p.values[p.root].kind, nst::detail::PyKind::kList);
  EXPECT_EQ(p.values.size(), 200001u);
}

TEST(TorchPickle, Sha256AndKnownFiles) {
  EXPECT_EQ(nst::detail::sha256_hex(nullptr, 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string abc = "abc";
  EXPECT_EQ(nst::detail::sha256_hex(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks(119, 'x');  // padding spills into a second block
  EXPECT_EQ(nst::detail::sha256_hex(reinterpret_cast<const uint8_t*>(two_blocks.data()), two_blocks.size()).size(), 64u);
  const auto* caffe = nst::detail::find_known_weight_file("d01eb7cb" + std::string(56, '0'));
  ASSERT_NE(caffe, nullptr);
  EXPECT_EQ(caffe->preprocess, nst::Preprocess::kCaffe);
  EXPECT_EQ(nst::detail::find_known_weight_file("dcbb9e9d" + std::string(56, '1'))->preprocess,
            nst::Preprocess::kTorchvision);
  EXPECT_EQ(nst::detail::find_known_weight_file(std::string(64, 'a')), nullptr);
  const nst::WeightFile f = nst::read_weight_file(fixture("vgg19_narrow_zip_dict.pth"));
  EXPECT_EQ(f.sha256.size(), 64u);
  EXPECT_EQ(f.format, nst::WeightFormat::kTorchZip);
}

}  // namespace
