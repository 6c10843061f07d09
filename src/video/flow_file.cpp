#include "video/flow_file.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/atomic_file.h"
#include "nst/error.h"

namespace nst::detail {
namespace {
constexpr float kFloMagic = 202021.25f;  // the bytes "PIEH" read as a little-endian float
}

void write_flo(const at::Tensor& flow, const std::string& path) {
  NST_CHECK(flow.dim() == 4 && flow.size(0) == 1 && flow.size(1) == 2, kUsage, "write_flo expects a 1x2xHxW flow");
  const at::Tensor hw2 = flow.to(at::kCPU, at::kFloat)[0].permute({1, 2, 0}).contiguous();
  const int32_t w = static_cast<int32_t>(hw2.size(1)), h = static_cast<int32_t>(hw2.size(0));
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(&kFloMagic), 4);
    out.write(reinterpret_cast<const char*>(&w), 4);
    out.write(reinterpret_cast<const char*>(&h), 4);
    out.write(reinterpret_cast<const char*>(hw2.data_ptr<float>()), static_cast<std::streamsize>(hw2.numel() * 4));
    NST_CHECK(out.good(), kIo, "cannot write flow file " + path);
  }
  file.commit();
}

at::Tensor read_flo(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  NST_CHECK(in, kIo, "cannot open flow file " + path);
  float magic = 0;
  int32_t w = 0, h = 0;
  in.read(reinterpret_cast<char*>(&magic), 4);
  in.read(reinterpret_cast<char*>(&w), 4);
  in.read(reinterpret_cast<char*>(&h), 4);
  NST_CHECK(in && magic == kFloMagic, kFormat, "not a .flo file (bad magic): " + path);
  NST_CHECK(w > 0 && h > 0 && w <= 65536 && h <= 65536, kFormat, "implausible .flo size in " + path);
  const auto expected = 12 + static_cast<uintmax_t>(w) * static_cast<uintmax_t>(h) * 8;
  std::error_code ec;
  NST_CHECK(std::filesystem::file_size(path, ec) == expected, kFormat,
            "truncated .flo file " + path + " (expected " + std::to_string(expected) + " bytes)");
  at::Tensor hw2 = at::empty({h, w, 2}, at::kFloat);
  in.read(reinterpret_cast<char*>(hw2.data_ptr<float>()), static_cast<std::streamsize>(hw2.numel() * 4));
  NST_CHECK(in, kIo, "cannot read flow file " + path);
  return hw2.permute({2, 0, 1}).unsqueeze(0).contiguous();
}

}  // namespace nst::detail
