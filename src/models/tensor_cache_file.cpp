#include "models/tensor_cache_file.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/atomic_file.h"

namespace nst::detail {
namespace {

constexpr char kMagic[8] = {'N', 'S', 'T', 'C', 'A', 'C', 'H', 'E'};
constexpr uint32_t kFormatVersion = 1;  // of this layout; what the tensors are lives in the identity

template <class T>
void append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// Everything before the checksums: a reader builds the header it expects and compares bytes.
std::string header(const std::string& identity, const TensorShapes& shapes) {
  std::string out(kMagic, sizeof kMagic);
  append(out, kFormatVersion);
  append(out, static_cast<uint32_t>(identity.size()));
  out += identity;
  append(out, static_cast<uint32_t>(shapes.size()));
  for (const auto& shape : shapes) {
    append(out, static_cast<uint32_t>(shape.size()));
    for (int64_t d : shape) append(out, d);
  }
  return out;
}

// XXH64 (libxxhash): ~10 GB/s where SHA-256 runs at ~0.3 GB/s; a cache must catch a damaged
// file, not an attacker.
uint64_t checksum(const at::Tensor& t) { return XXH64(t.data_ptr(), t.numel() * sizeof(float), 0); }

// read(2) until `size` bytes are in or the file ends.
bool read_exactly(int fd, void* data, size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t got = ::read(fd, p, size);
    if (got <= 0) return false;
    p += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::vector<at::Tensor>> read_tensor_cache(const std::string& path, const std::string& identity,
                                                         const TensorShapes& shapes) {
  try {
    const Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) return std::nullopt;
    const std::string expected = header(identity, shapes);
    std::string found(expected.size(), '\0');
    if (!read_exactly(file.fd, found.data(), found.size()) || found != expected) return std::nullopt;
    std::vector<uint64_t> sums(shapes.size());
    if (!read_exactly(file.fd, sums.data(), sums.size() * sizeof(uint64_t))) return std::nullopt;
    size_t payload = 0;
    for (const auto& shape : shapes) {
      size_t numel = 1;
      for (int64_t d : shape) numel *= static_cast<size_t>(d);
      payload += numel * sizeof(float);
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0 ||
        static_cast<size_t>(st.st_size) != expected.size() + sums.size() * sizeof(uint64_t) + payload) {
      return std::nullopt;  // short (an interrupted copy) or with something appended
    }
    // One read(2) per tensor straight into its storage, then its checksum.
    std::vector<at::Tensor> tensors;
    for (size_t i = 0; i < shapes.size(); ++i) {
      at::Tensor t = at::empty(shapes[i], at::kFloat);
      if (!read_exactly(file.fd, t.data_ptr(), t.numel() * sizeof(float)) || checksum(t) != sums[i]) {
        return std::nullopt;
      }
      tensors.push_back(std::move(t));
    }
    return tensors;
  } catch (...) {
    return std::nullopt;
  }
}

bool write_tensor_cache(const std::string& path, const std::string& identity, const std::vector<at::Tensor>& tensors) {
  try {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    TensorShapes shapes;
    std::string sums;
    for (const at::Tensor& t : tensors) {
      if (t.scalar_type() != at::kFloat || !t.is_cpu() || !t.is_contiguous()) return false;
      shapes.push_back(t.sizes().vec());
      append(sums, checksum(t));
    }
    AtomicFile atomic(path);
    {
      std::ofstream out(atomic.temp_path(), std::ios::binary | std::ios::trunc);
      const std::string head = header(identity, shapes);
      out.write(head.data(), static_cast<std::streamsize>(head.size()));
      out.write(sums.data(), static_cast<std::streamsize>(sums.size()));
      for (const at::Tensor& t : tensors) {
        out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * sizeof(float)));
      }
      out.close();
      if (!out) return false;  // the destructor of `atomic` removes the temp file
    }
    atomic.commit();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace nst::detail
