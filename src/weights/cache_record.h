#pragma once
// The cache's per-entry record (<cache>/<name>.json: URL, full SHA-256, how it was checked,
// input convention) and file hashing: read by the cache lookup (core library) and written by
// fetch (src/fetch/, the library that downloads).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace nst::detail {

inline constexpr size_t kMinHashPrefix = 8;  // what torchvision file names carry
inline constexpr size_t kFullHashLength = 64;

struct Record {
  std::string name, file, url, sha256, hash_check, preprocess;
};

/// The record at `path`; nullopt when missing or damaged (a damaged record only costs its information).
std::optional<Record> read_record(const std::filesystem::path& path);
/// Writes the record atomically, with the file's size.
void write_record(const std::filesystem::path& path, const Record& r, uint64_t size);
/// SHA-256 (hex) of a file, mapped rather than read: the torchvision files are 0.5 GB.
std::string sha256_of_file(const std::string& path);

}  // namespace nst::detail
