#pragma once
// Well-known VGG weight files: recognised by SHA-256 (with the input convention they expect) and
// downloadable by short name (`nst weights fetch vgg19`). The one table of names, URLs and hashes.
#include <string>
#include <vector>

#include "nst/preprocess.h"

namespace nst::detail {

struct KnownWeightFile {
  const char* key;            ///< short name for fetch/--weights, e.g. "vgg19"
  const char* file;           ///< the published file name, also its name in the cache
  const char* url;            ///< canonical download URL
  const char* sha256_prefix;  ///< lower-case hex; only the prefix the published name carries ("" = none)
  const char* sha256;         ///< full lower-case hex SHA-256 when published, else ""
  const char* name;           ///< the published file name and its origin, for messages
  Preprocess preprocess;
};

/// The entry whose (non-empty) prefix starts `sha256_hex`, or nullptr.
const KnownWeightFile* find_known_weight_file(const std::string& sha256_hex);

/// The entry with this short name, or nullptr.
const KnownWeightFile* find_known_weight_file_by_key(const std::string& key);

/// Every entry, in table order.
std::vector<const KnownWeightFile*> known_weight_files();

}  // namespace nst::detail
