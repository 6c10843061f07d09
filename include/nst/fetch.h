#pragma once
// `fetch`: downloads a weight file into the cache (nst/weight_cache.h), resumed, retried and
// checked against its SHA-256. In its own library, nst::fetch (libcurl), linked by the front ends;
// the core library never touches the network. It never prints: it reports through a callback
// that can also abort it.
#include <cstdint>
#include <functional>
#include <string>

#include "nst/weight_cache.h"

namespace nst {

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
