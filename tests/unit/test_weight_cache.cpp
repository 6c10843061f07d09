// The weight cache: folder resolution, the registry, URL rewriting, and fetch over file:// URLs
// (no network: libcurl reads the fixture from disk, with the same resume and verify paths).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "nst/error.h"
#include "nst/fetch.h"
#include "nst/weight_cache.h"
#include "test_files.h"
#include "weights/known_files.h"
#include "weights/sha256.h"

namespace {

namespace fs = std::filesystem;

const std::string kFixture = std::string(NST_SOURCE_DIR) + "/tests/fixtures/vgg19_narrow_zip_dict.pth";

using nst::test::EnvVar;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string hash_of(const std::string& bytes) {
  return nst::detail::sha256_hex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// A fresh cache folder per test.
class WeightCacheFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nst_test_cache_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fixture_ = read_all(kFixture);
    hash_ = hash_of(fixture_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  nst::FetchOptions custom(const std::string& name) const {
    nst::FetchOptions o;
    o.name = name;
    o.url = "file://" + kFixture;
    o.sha256 = hash_;
    o.cache_dir = dir_.string();
    o.retry_delay_ms = 1;
    return o;
  }

  fs::path dir_;
  std::string fixture_, hash_;
};

TEST(WeightCacheDir, OverrideThenNstCacheDirThenXdgThenHome) {
  EnvVar nst_dir("NST_CACHE_DIR", "/tmp/nst-a");
  EnvVar xdg("XDG_CACHE_HOME", "/tmp/xdg");
  EnvVar home("HOME", "/tmp/home");
  EXPECT_EQ(nst::weight_cache_dir("/tmp/override"), "/tmp/override");
  EXPECT_EQ(nst::weight_cache_dir(), "/tmp/nst-a");
  {
    EnvVar unset("NST_CACHE_DIR", nullptr);
    EXPECT_EQ(nst::weight_cache_dir(), "/tmp/xdg/nst");
    EnvVar relative("XDG_CACHE_HOME", "relative/cache");  // the XDG spec says to ignore it
    EXPECT_EQ(nst::weight_cache_dir(), "/tmp/home/.cache/nst");
    EnvVar empty("XDG_CACHE_HOME", "");
    EXPECT_EQ(nst::weight_cache_dir(), "/tmp/home/.cache/nst");
    EnvVar no_home("HOME", nullptr);
    EXPECT_THROW(nst::weight_cache_dir(), nst::Error);
  }
}

TEST(WeightCacheRegistry, NamesFilesUrlsAndConventions) {
  EXPECT_EQ(nst::known_download_names(), "vgg19, vgg16, vgg19-caffe, vgg16-caffe, vgg19-keras");
  for (const nst::KnownDownload& d : nst::known_downloads()) {
    SCOPED_TRACE(d.name);
    EXPECT_TRUE(nst::is_valid_cache_name(d.name));
    EXPECT_EQ(d.url.rfind("https://", 0), 0u);
    EXPECT_EQ(d.url.substr(d.url.size() - d.file.size()), d.file);  // cached under the published name
    if (!d.sha256_prefix.empty()) EXPECT_NE(d.file.find("-" + d.sha256_prefix + "."), std::string::npos);
    if (!d.sha256.empty()) EXPECT_EQ(d.sha256.rfind(d.sha256_prefix, 0), 0u);
    // The same table recognises a downloaded file by its hash.
    if (!d.sha256_prefix.empty()) {
      const auto* known = nst::detail::find_known_weight_file(d.sha256_prefix + std::string(56, '0'));
      ASSERT_NE(known, nullptr);
      EXPECT_EQ(known->key, d.name);
    }
  }
  EXPECT_EQ(nst::find_known_download("vgg19")->preprocess, "torchvision");
  EXPECT_EQ(nst::find_known_download("vgg19-caffe")->preprocess, "caffe");
  EXPECT_EQ(nst::find_known_download("vgg19-keras")->file, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5");
  EXPECT_FALSE(nst::find_known_download("vgg19.pth"));
  // The Keras entry has no prefix: it must not match every hash.
  EXPECT_EQ(nst::detail::find_known_weight_file(std::string(64, '0')), nullptr);
}

TEST(WeightCacheRegistry, CacheNames) {
  EXPECT_TRUE(nst::is_valid_cache_name("my_vgg-2"));
  EXPECT_FALSE(nst::is_valid_cache_name(""));
  EXPECT_FALSE(nst::is_valid_cache_name("-x"));
  EXPECT_FALSE(nst::is_valid_cache_name("a/b"));
  EXPECT_FALSE(nst::is_valid_cache_name("../x"));
  EXPECT_FALSE(nst::is_valid_cache_name("x.pth"));
  EXPECT_FALSE(nst::is_valid_cache_name(std::string(65, 'a')));
}

TEST(WeightCacheRegistry, BaseUrlReplacesSchemeAndHostOnly) {
  const std::string url = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth";
  EXPECT_EQ(nst::replace_url_base(url, "http://127.0.0.1:8080/"), "http://127.0.0.1:8080/models/vgg19-dcbb9e9d.pth");
  EXPECT_EQ(nst::replace_url_base(url, "https://mirror.example/nst"),
            "https://mirror.example/nst/models/vgg19-dcbb9e9d.pth");
  const nst::KnownDownload d = *nst::find_known_download("vgg19");
  {
    EnvVar unset("NST_WEIGHTS_BASE_URL", nullptr);
    EXPECT_EQ(nst::download_url(d), url);
  }
  EnvVar base("NST_WEIGHTS_BASE_URL", "file:///srv/mirror");
  EXPECT_EQ(nst::download_url(d), "file:///srv/mirror/models/vgg19-dcbb9e9d.pth");
}

TEST_F(WeightCacheFetch, CustomFetchIsVerifiedListedAndResolved) {
  nst::FetchOptions o = custom("narrow");
  o.preprocess = "caffe";
  std::vector<std::string> events;
  const nst::FetchResult r = nst::fetch_weights(o, [&](const nst::FetchProgress& p) {
    if (!p.event.empty()) events.push_back(p.event);
    return true;
  });
  EXPECT_FALSE(r.already_cached);
  EXPECT_EQ(r.entry.path, (dir_ / "narrow.pth").string());  // keeps the URL's extension
  EXPECT_EQ(r.entry.sha256, hash_);
  EXPECT_EQ(r.entry.size, fixture_.size());
  EXPECT_EQ(r.entry.preprocess, "caffe");
  EXPECT_EQ(read_all(r.entry.path), fixture_);
  EXPECT_FALSE(fs::exists(r.entry.path + ".part"));
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.front(), "start");

  const auto listed = nst::list_cached_weights(dir_.string());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "narrow");
  EXPECT_FALSE(listed[0].known);
  const auto resolved = nst::resolve_cached_weights("narrow", dir_.string());
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->path, r.entry.path);
  EXPECT_FALSE(nst::resolve_cached_weights(kFixture, dir_.string()));  // an existing path wins
  EXPECT_FALSE(nst::resolve_cached_weights("embedded", dir_.string()));
  EXPECT_FALSE(nst::resolve_cached_weights("unknown-name", dir_.string()));

  EXPECT_TRUE(nst::fetch_weights(o).already_cached);
}

TEST_F(WeightCacheFetch, RegistryNameNotCachedNamesTheFetchCommand) {
  try {
    nst::resolve_cached_weights("vgg19-caffe", dir_.string());
    FAIL() << "no error";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("nst weights fetch vgg19-caffe"), std::string::npos) << e.what();
  }
}

TEST_F(WeightCacheFetch, MismatchLeavesNothingInTheCache) {
  nst::FetchOptions o = custom("bad");
  o.sha256 = std::string(64, 'a');
  try {
    nst::fetch_weights(o);
    FAIL() << "no error";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kFormat);
    EXPECT_NE(std::string(e.what()).find("SHA-256 mismatch"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(WeightCacheFetch, ResumesAPartFileAndKeepsItWhenAborted) {
  fs::create_directories(dir_);
  const std::string part = (dir_ / "resumed.pth.part").string();
  std::ofstream(part, std::ios::binary) << fixture_.substr(0, fixture_.size() / 2);
  // Aborting from the callback keeps the bytes already there.
  EXPECT_THROW(nst::fetch_weights(custom("resumed"), [](const nst::FetchProgress&) { return false; }), nst::Error);
  EXPECT_EQ(fs::file_size(part), fixture_.size() / 2);

  std::string first_event;
  const nst::FetchResult r = nst::fetch_weights(custom("resumed"), [&](const nst::FetchProgress& p) {
    if (first_event.empty()) first_event = p.event;
    return true;
  });
  EXPECT_TRUE(r.resumed);
  EXPECT_EQ(first_event, "resume at byte " + std::to_string(fixture_.size() / 2));
  EXPECT_EQ(read_all(r.entry.path), fixture_);
}

TEST_F(WeightCacheFetch, UsageErrors) {
  nst::FetchOptions o = custom("x");
  o.url.clear();
  try {
    nst::fetch_weights(o);
    FAIL() << "no error";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("known: vgg19, vgg16"), std::string::npos) << e.what();
  }
  o = custom("x");
  o.sha256 = "abc";
  EXPECT_THROW(nst::fetch_weights(o), nst::Error);
  o = custom("../escape");
  EXPECT_THROW(nst::fetch_weights(o), nst::Error);
  o = custom("vgg19");  // a registry name takes no custom hash
  EXPECT_THROW(nst::fetch_weights(o), nst::Error);
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(WeightCacheFetch, FirstFetchRecordsTheHashForFilesWithoutOne) {
  // A prefix-only custom entry stands in for a registry file without a full published hash.
  nst::FetchOptions o = custom("tofu");
  o.sha256 = hash_.substr(0, 8);
  const nst::FetchResult r = nst::fetch_weights(o);
  EXPECT_EQ(r.entry.sha256, hash_);
  EXPECT_NE(r.hash_note.find("full hash recorded"), std::string::npos) << r.hash_note;
  EXPECT_NE(read_all((dir_ / "tofu.json").string()).find(hash_), std::string::npos);
  // A changed cached file is no longer accepted: the recorded full hash is checked.
  std::ofstream(r.entry.path, std::ios::binary | std::ios::app) << "x";
  o.force = false;
  const nst::FetchResult again = nst::fetch_weights(o);
  EXPECT_FALSE(again.already_cached);  // downloaded again
  EXPECT_EQ(read_all(again.entry.path), fixture_);
}

}  // namespace
