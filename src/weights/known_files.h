#pragma once
// Well-known VGG weight files, recognised by SHA-256, with the input convention they expect.
#include <string>

#include "nst/preprocess.h"

namespace nst::detail {

struct KnownWeightFile {
  const char* sha256_prefix;  ///< lower-case hex; only the prefix the published name carries
  const char* name;           ///< the published file name
  Preprocess preprocess;
};

/// The entry whose prefix starts `sha256_hex`, or nullptr.
const KnownWeightFile* find_known_weight_file(const std::string& sha256_hex);

}  // namespace nst::detail
