#include "weights/cache_record.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "nst/error.h"
#include "weights/sha256.h"

namespace nst::detail {

namespace fs = std::filesystem;

std::optional<Record> read_record(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  // A damaged record only costs the information in it; the file itself is hashed on fetch.
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
  };
  Record r{text("name"), text("file"), text("url"), text("sha256"), text("hash_check"), text("preprocess")};
  if (r.file.empty() || r.file.find('/') != std::string::npos) return std::nullopt;
  return r;
}

void write_record(const fs::path& path, const Record& r, uint64_t size) {
  const nlohmann::json j = {{"name", r.name},
                            {"file", r.file},
                            {"url", r.url},
                            {"sha256", r.sha256},
                            {"hash_check", r.hash_check},
                            {"preprocess", r.preprocess},
                            {"size", size}};
  AtomicFile out(path.string());
  {
    std::ofstream stream(out.temp_path());
    stream << j.dump(2) << "\n";
    NST_CHECK(stream.good(), kIo, "cannot write " + out.temp_path());
  }
  out.commit();
}

std::string sha256_of_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  NST_CHECK(fd >= 0, kIo, "cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const size_t size = stat_ok ? static_cast<size_t>(st.st_size) : 0;
  if (size == 0) {
    ::close(fd);
    NST_CHECK(stat_ok, kIo, "cannot read " + path);
    return sha256_hex(nullptr, 0);
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  NST_CHECK(map != MAP_FAILED, kIo, "cannot map " + path + ": " + std::strerror(errno));
  ::madvise(map, size, MADV_SEQUENTIAL);
  std::string hash = sha256_hex(static_cast<const uint8_t*>(map), size);
  ::munmap(map, size);
  return hash;
}

}  // namespace nst::detail
