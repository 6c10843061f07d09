#pragma once
// The transfer part of `fetch`: one URL into a .part file with libcurl, resumed and retried.
#include <cstdint>
#include <string>

#include "nst/fetch.h"

namespace nst::detail {

/// How a download ended.
struct DownloadOutcome {
  uint64_t size = 0;     ///< bytes in the .part file
  bool resumed = false;  ///< bytes from an earlier run were kept
};

/// Downloads `url` into `part_path`, appending to an existing file with a Range request (and
/// starting over when the server ignores it), retrying transient failures options.attempts times.
/// Holds an exclusive lock on the file meanwhile. Throws nst::Error(kIo) on failure and
/// nst::Error(kInterrupted) when `progress` returns false; the .part is kept in both cases.
DownloadOutcome download_to_part(const std::string& url, const std::string& part_path, const FetchOptions& options,
                                 const FetchCallback& progress);

}  // namespace nst::detail
