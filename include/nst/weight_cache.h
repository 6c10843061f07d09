#pragma once
// The weight cache: well-known VGG files (and custom ones) downloaded once by short name,
// checked against their SHA-256, and found again by that name (`--weights vgg19`).
// Downloading into the cache is nst/fetch.h (its own library, nst_fetch: the core never touches
// the network).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nst {

/// A file nst can download by name (the registry; see src/weights/known_files.cpp).
struct KnownDownload {
  std::string name;           ///< short name: "vgg19", "vgg16", "vgg19-caffe", "vgg16-caffe", "vgg19-keras"
  std::string file;           ///< the published file name, also its name in the cache
  std::string url;            ///< canonical URL (before $NST_WEIGHTS_BASE_URL)
  std::string sha256;         ///< full published SHA-256, or "" when only a prefix or nothing is known
  std::string sha256_prefix;  ///< the hash prefix the published file name carries, or ""
  std::string preprocess;     ///< input convention: "caffe" | "torchvision"
  std::string description;    ///< published name and origin, for listings
};

/// Every name `fetch` knows, in a fixed order.
std::vector<KnownDownload> known_downloads();
/// The registry entry called `name`, or nullopt.
std::optional<KnownDownload> find_known_download(const std::string& name);
/// "vgg19, vgg16, ...": the registry names, for messages.
std::string known_download_names();
/// Whether `name` can name a cache entry: 1-64 of [A-Za-z0-9_-], starting with a letter or digit.
bool is_valid_cache_name(const std::string& name);

/// The cache folder: `override_dir` if non-empty, else $NST_CACHE_DIR, else $XDG_CACHE_HOME/nst,
/// else $HOME/.cache/nst. Does not create it. Throws nst::Error(kIo) when none is set.
std::string weight_cache_dir(const std::string& override_dir = "");

/// `url` with its scheme://host[:port] part replaced by `base` (trailing '/' ignored); path kept.
std::string replace_url_base(const std::string& url, const std::string& base);
/// The URL a registry entry is fetched from: its canonical URL, with the host part replaced by
/// $NST_WEIGHTS_BASE_URL when that is set (a mirror).
std::string download_url(const KnownDownload& download);

/// One entry of the cache.
struct CachedWeights {
  std::string name;        ///< registry or custom name
  std::string path;        ///< the weights file
  uint64_t size = 0;       ///< bytes on disk
  std::string sha256;      ///< full SHA-256 checked or recorded when fetched; "" without a record
  std::string hash_check;  ///< how `sha256` was established, e.g. "full hash published"
  std::string preprocess;  ///< recorded convention, or "" (decided from the file when loaded)
  std::string url;         ///< where it was fetched from ("" without a record)
  bool known = false;      ///< a registry name (else a custom one)
};

/// Cached entries: registry names whose file is present (registry order), then custom names with a record (sorted).
std::vector<CachedWeights> list_cached_weights(const std::string& cache_dir = "");
/// The cache entry `name`, or nullopt when it is not cached.
std::optional<CachedWeights> find_cached_weights(const std::string& name, const std::string& cache_dir = "");
/// For `--weights SPEC`: nullopt when SPEC is an existing path, "embedded" or no cache name; the
/// entry when SPEC names a cached file; throws nst::Error(kIo) naming the `nst weights fetch`
/// command when SPEC is a registry name that is not cached.
std::optional<CachedWeights> resolve_cached_weights(const std::string& spec, const std::string& cache_dir = "");

}  // namespace nst
