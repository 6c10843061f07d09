// The embedded network's cache (EmbeddedNetOptions::cache_dir): read back bit for bit, damaged
// or stale files ignored and rewritten, nothing written unless asked; its file format
// (models/tensor_cache_file) on its own, with small tensors.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/tensor_cache_file.h"
#include "nst/weights.h"
#include "test_files.h"

namespace {

namespace fs = std::filesystem;
using nst::test::Bytes;
using nst::test::EnvVar;
using nst::test::read_all;

void write_all(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

ino_t inode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

void expect_same_network(const nst::VggWeights& a, const nst::VggWeights& b) {
  ASSERT_EQ(a.weights.size(), b.weights.size());
  ASSERT_EQ(a.biases.size(), b.biases.size());
  for (size_t i = 0; i < a.weights.size(); ++i) {
    EXPECT_TRUE(at::equal(a.weights[i], b.weights[i])) << "weight " << i;
    EXPECT_TRUE(at::equal(a.biases[i], b.biases[i])) << "bias " << i;
  }
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.preprocess, b.preprocess);
  EXPECT_EQ(a.padding, b.padding);
  EXPECT_EQ(a.source, b.source);  // part of nst batch's options hash
}

// The network without a cache, made once for the tests here.
const nst::VggWeights& generated() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

class CacheDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nst_test_net_cache_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// ---- The file format, on small tensors

class TensorCacheFile : public CacheDir {
 protected:
  void SetUp() override {
    CacheDir::SetUp();
    path_ = (dir_ / "t.bin").string();
    at::manual_seed(7);
    tensors_ = {at::randn({2, 3, 1, 1}), at::zeros({2}), at::randn({3, 2})};
    shapes_ = {{2, 3, 1, 1}, {2}, {3, 2}};
    ASSERT_TRUE(nst::detail::write_tensor_cache(path_, kIdentity, tensors_));
    good_ = read_all(path_);
  }
  std::optional<std::vector<at::Tensor>> read() { return nst::detail::read_tensor_cache(path_, kIdentity, shapes_); }

  static constexpr const char* kIdentity = "test tensors, version 1";
  std::string path_;
  std::vector<at::Tensor> tensors_;
  nst::detail::TensorShapes shapes_;
  Bytes good_;
};

TEST_F(TensorCacheFile, ReadsBackWhatWasWritten) {
  const auto got = read();
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), tensors_.size());
  for (size_t i = 0; i < tensors_.size(); ++i) EXPECT_TRUE(at::equal((*got)[i], tensors_[i])) << i;
  EXPECT_FALSE(fs::exists(dir_ / ".t.tmp" += std::to_string(::getpid()) + ".bin"));  // no temp file left
}

TEST_F(TensorCacheFile, RefusesAMissingFileAnotherIdentityOrOtherShapes) {
  EXPECT_FALSE(nst::detail::read_tensor_cache((dir_ / "none.bin").string(), kIdentity, shapes_));
  EXPECT_FALSE(nst::detail::read_tensor_cache(path_, "test tensors, version 2", shapes_));
  EXPECT_FALSE(nst::detail::read_tensor_cache(path_, kIdentity, {{2, 3, 1, 1}, {2}, {2, 3}}));
  EXPECT_FALSE(nst::detail::read_tensor_cache(path_, kIdentity, {{2, 3, 1, 1}, {2}}));
  EXPECT_TRUE(read());
}

TEST_F(TensorCacheFile, RefusesEveryFlippedByte) {
  // Header bytes are compared with the expected header, checksum and payload bytes by the
  // checksums: no single flipped byte anywhere passes.
  for (size_t at = 0; at < good_.size(); ++at) {
    Bytes bad = good_;
    bad[at] ^= 0x01;
    write_all(path_, bad);
    EXPECT_FALSE(read()) << "byte " << at << " of " << good_.size();
  }
}

TEST_F(TensorCacheFile, RefusesTruncatedAndExtendedFiles) {
  for (size_t size : {size_t(0), size_t(7), good_.size() / 2, good_.size() - 4, good_.size() - 1}) {
    write_all(path_, Bytes(good_.begin(), good_.begin() + static_cast<std::ptrdiff_t>(size)));
    EXPECT_FALSE(read()) << "truncated to " << size;
  }
  Bytes longer = good_;
  longer.push_back(0);
  write_all(path_, longer);
  EXPECT_FALSE(read());
}

TEST_F(TensorCacheFile, RefusesAnotherFormatVersion) {
  Bytes other = good_;
  other[8] += 1;  // the u32 after the 8-byte magic
  write_all(path_, other);
  EXPECT_FALSE(read());
}

TEST_F(TensorCacheFile, AFolderThatCannotBeWrittenIsNoError) {
  // A regular file where the folder should be: no folder can be made (root or not).
  const std::string blocked = (dir_ / "file" / "sub" / "t.bin").string();
  write_all((dir_ / "file").string(), Bytes{1, 2, 3});
  EXPECT_FALSE(nst::detail::write_tensor_cache(blocked, kIdentity, tensors_));
  EXPECT_FALSE(nst::detail::write_tensor_cache(path_, kIdentity, {at::zeros({2}, at::kDouble)}));  // float32 only
  EXPECT_EQ(read_all(path_), good_);  // a refused write leaves the old file
}

// ---- The embedded network through the cache

TEST_F(CacheDir, CachedNetworkIsTheGeneratedOneBitForBit) {
  nst::EmbeddedNetOptions o;
  o.cache_dir = dir_.string();
  const std::string path = nst::embedded_net_cache_path(o);
  EXPECT_EQ(fs::path(path).parent_path(), dir_);
  EXPECT_FALSE(fs::exists(path));
  expect_same_network(nst::make_embedded_vgg(o), generated());  // cold: generated and written
  ASSERT_TRUE(fs::exists(path));
  const ino_t written = inode(path);
  expect_same_network(nst::make_embedded_vgg(o), generated());  // warm: read
  EXPECT_EQ(inode(path), written);                              // read, not rewritten
  // Through load_weights, as the CLI calls it.
  expect_same_network(nst::load_weights("embedded", o), generated());
  EXPECT_EQ(inode(path), written);
}

TEST_F(CacheDir, DamagedNetworkFileIsRegeneratedAndRewritten) {
  nst::EmbeddedNetOptions o;
  o.cache_dir = dir_.string();
  const std::string path = nst::embedded_net_cache_path(o);
  nst::make_embedded_vgg(o);
  const Bytes good = read_all(path);
  Bytes flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;  // a payload byte: deep in a filter bank
  const Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  for (const Bytes* bad : {static_cast<const Bytes*>(&flipped), &truncated}) {
    write_all(path, *bad);
    const ino_t damaged = inode(path);
    expect_same_network(nst::make_embedded_vgg(o), generated());
    EXPECT_NE(inode(path), damaged);  // replaced (temp file + rename)
    EXPECT_TRUE(read_all(path) == good);
  }
}

TEST_F(CacheDir, NoCacheDirWritesNothing) {
  const fs::path home = dir_ / "home", xdg = dir_ / "xdg", nst_dir = dir_ / "nst";
  for (const auto& d : {home, xdg, nst_dir}) fs::create_directories(d);
  const EnvVar h("HOME", home.c_str()), x("XDG_CACHE_HOME", xdg.c_str()), n("NST_CACHE_DIR", nst_dir.c_str());
  EXPECT_EQ(nst::embedded_net_cache_path({}), "");
  expect_same_network(nst::load_weights("embedded", nst::VggArch::kVgg19), generated());
  for (const auto& d : {home, xdg, nst_dir}) EXPECT_TRUE(fs::is_empty(d)) << d;
}

TEST_F(CacheDir, AnUnwritableCacheDirOnlyCostsTheGeneration) {
  write_all((dir_ / "file").string(), Bytes{1});
  nst::EmbeddedNetOptions o;
  o.cache_dir = (dir_ / "file" / "cache").string();
  expect_same_network(nst::make_embedded_vgg(o), generated());
}

TEST(EmbeddedNetCachePath, NamesArchSeedThreadsAndGenerator) {
  nst::EmbeddedNetOptions o;
  o.cache_dir = "/c";
  const int threads = at::get_num_threads();
  EXPECT_EQ(nst::embedded_net_cache_path(o),
            "/c/embedded-vgg19-seed20170101-threads" + std::to_string(threads) + "-v1.bin");
  o.arch = nst::VggArch::kVgg16;
  o.seed = 5;
  o.padding = nst::Padding::kZeros;  // sets a field only: not part of the name
  EXPECT_EQ(nst::embedded_net_cache_path(o), "/c/embedded-vgg16-seed5-threads" + std::to_string(threads) + "-v1.bin");
}

}  // namespace
