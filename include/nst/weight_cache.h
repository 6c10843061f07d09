#pragma once
// The weight cache: well-known VGG files (and custom ones) downloaded once by short name,
// checked against their SHA-256, and found again by that name (`--weights vgg19`).
// The library never prints: downloads report through a callback that can also abort them.
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

/// The state of a download, passed to the callback while it runs.
struct FetchProgress {
  uint64_t received = 0;      ///< bytes in the .part file so far, resumed bytes included
  uint64_t total = 0;         ///< full size in bytes; 0 while unknown
  uint64_t resumed_from = 0;  ///< bytes already on disk when this attempt started
  int attempt = 1;            ///< 1-based
  int attempts = 1;           ///< the most attempts that will be made
  double seconds = 0;         ///< since this attempt started
  std::string event;  ///< "" for plain progress, else one line: "start", "resume ...", "retry ...", "verify", ...
};
/// Called during a download; return false to abort it (the .part file is kept for resuming).
using FetchCallback = std::function<bool(const FetchProgress& progress)>;

/// What to fetch and how hard to try.
struct FetchOptions {
  std::string name;             ///< registry name, or a custom name (then `url` is required)
  std::string url;              ///< overrides the registry URL; "" = canonical (with $NST_WEIGHTS_BASE_URL)
  std::string sha256;           ///< custom names: expected SHA-256, full or a prefix of >= 8 hex digits
  std::string preprocess;       ///< custom names: "caffe" | "torchvision" | "" (decided from the file)
  std::string cache_dir;        ///< "" = weight_cache_dir()
  bool force = false;           ///< download again even when a verified copy is cached
  int attempts = 3;             ///< tries for transient failures (dropped connection, timeout, HTTP 5xx)
  int retry_delay_ms = 500;     ///< wait before retry n: n times this
  long connect_timeout_s = 20;  ///< give up connecting after this many seconds
  long low_speed_limit = 1024;  ///< bytes/s; slower than this for low_speed_time_s counts as a failure
  long low_speed_time_s = 30;   ///< seconds
};

/// What fetch_weights did.
struct FetchResult {
  CachedWeights entry;          ///< the cached file
  bool already_cached = false;  ///< a verified copy was there; nothing was downloaded
  bool resumed = false;         ///< the download continued a .part file
  std::string hash_note;        ///< what the hash check proved, one line for the user
};

/// Downloads a weight file into the cache: into <cache>/<file>.part (resuming one that exists
/// with an HTTP Range request), retrying transient failures, then checks the SHA-256 and renames
/// it into place. A mismatch deletes the download and throws nst::Error(kFormat); an abort from
/// the callback throws nst::Error(kInterrupted) and keeps the .part; an unknown name without a
/// URL, or custom options on a registry name, throw nst::Error(kUsage).
FetchResult fetch_weights(const FetchOptions& options, const FetchCallback& progress = {});

}  // namespace nst
