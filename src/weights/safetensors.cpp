// safetensors: 8-byte little-endian header length N, N bytes of JSON, then raw data.
// Every length and offset is checked before use so that a hostile file can only be refused.
#include <ATen/ATen.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "nst/error.h"
#include "nst/weights.h"

namespace nst {
namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // 100 MiB of JSON is far beyond any real file

std::pair<at::ScalarType, size_t> dtype_of(const std::string& name, const std::string& key) {
  if (name == "F32") return {at::kFloat, 4};
  if (name == "F16") return {at::kHalf, 2};
  if (name == "BF16") return {at::kBFloat16, 2};
  if (name == "F64") return {at::kDouble, 8};
  fail(ErrorKind::kFormat, "safetensors tensor '" + key + "' has unsupported dtype " + name);
}

// The safetensors name of a dtype that write_safetensors keeps.
std::string dtype_name(at::ScalarType type, const std::string& key) {
  switch (type) {
    case at::kFloat: return "F32";
    case at::kHalf: return "F16";
    case at::kBFloat16: return "BF16";
    case at::kDouble: return "F64";
    default: fail(ErrorKind::kUsage, "safetensors: cannot write tensor '" + key + "' of dtype " + c10::toString(type));
  }
}

}  // namespace

StateDict parse_safetensors(const uint8_t* data, size_t size, std::map<std::string, std::string>* metadata,
                            bool keep_dtypes) {
  NST_CHECK(size >= 8, kFormat, "safetensors file is truncated: " + std::to_string(size) + " bytes");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | data[i];
  NST_CHECK(header_len <= kMaxHeader && header_len <= size - 8, kFormat,
            "safetensors header length " + std::to_string(header_len) + " exceeds the file size " + std::to_string(size));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(data + 8, data + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::kFormat, std::string("safetensors header is not valid JSON: ") + e.what());
  }
  NST_CHECK(header.is_object(), kFormat, "safetensors header is not a JSON object");
  const uint8_t* buffer = data + 8 + header_len;
  const uint64_t buffer_size = size - 8 - header_len;
  StateDict out;
  std::vector<std::pair<uint64_t, std::string>> order;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (metadata && it.value().is_object()) {
        for (auto m = it.value().begin(); m != it.value().end(); ++m) {
          if (m.value().is_string()) (*metadata)[m.key()] = m.value().get<std::string>();
        }
      }
      continue;
    }
    const auto& entry = it.value();
    const std::string& key = it.key();
    NST_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") && entry.contains("data_offsets") &&
                  entry["dtype"].is_string() && entry["shape"].is_array() && entry["data_offsets"].is_array() &&
                  entry["data_offsets"].size() == 2,
              kFormat, "safetensors entry '" + key + "' is malformed");
    auto [dtype, item] = dtype_of(entry["dtype"].get<std::string>(), key);
    std::vector<int64_t> shape;
    uint64_t numel = 1;
    for (const auto& d : entry["shape"]) {
      NST_CHECK(d.is_number_unsigned() && d.get<uint64_t>() < (uint64_t{1} << 40), kFormat,
                "safetensors entry '" + key + "' has an invalid shape");
      // Checked before multiplying: two dims below 2^40 can wrap 64 bits (to 0, say).
      NST_CHECK(d.get<uint64_t>() == 0 || numel < (uint64_t{1} << 40) / d.get<uint64_t>(), kFormat,
                "safetensors entry '" + key + "' is too large");
      numel *= d.get<uint64_t>();
      shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }
    const auto& offsets = entry["data_offsets"];
    NST_CHECK(offsets[0].is_number_unsigned() && offsets[1].is_number_unsigned(), kFormat,
              "safetensors entry '" + key + "' has invalid data_offsets");
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    NST_CHECK(begin <= end && end <= buffer_size, kFormat,
              "safetensors entry '" + key + "' points outside the file (offsets " + std::to_string(begin) + ".." +
                  std::to_string(end) + ", data size " + std::to_string(buffer_size) + ")");
    NST_CHECK(end - begin == numel * item, kFormat,
              "safetensors entry '" + key + "' has " + std::to_string(end - begin) + " bytes, its shape needs " +
                  std::to_string(numel * item));
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (numel) std::memcpy(t.data_ptr(), buffer + begin, end - begin);
    order.emplace_back(begin, key);
    out.emplace_back(key, keep_dtypes ? t : t.to(at::kFloat));
  }
  // JSON objects come back sorted by key; file order (by offset) is the natural one.
  std::vector<size_t> index(out.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = i;
  std::stable_sort(index.begin(), index.end(), [&](size_t a, size_t b) { return order[a].first < order[b].first; });
  StateDict sorted;
  for (size_t i : index) sorted.push_back(out[i]);
  return sorted;
}

void write_safetensors(const std::string& path, const StateDict& tensors, const std::map<std::string, std::string>& metadata,
                       bool keep_dtypes) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::vector<at::Tensor> data;
  for (const auto& [key, tensor] : tensors) {
    at::Tensor t = keep_dtypes ? tensor.detach().to(at::kCPU).contiguous()
                               : tensor.detach().to(at::kCPU, at::kFloat).contiguous();
    header[key] = {{"dtype", dtype_name(t.scalar_type(), key)}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
    data.push_back(t);
  }
  std::string json = header.dump();
  while ((json.size() + 8) % 8 != 0) json.push_back(' ');  // keep the data 8-byte aligned
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    NST_CHECK(out.good(), kIo, "cannot write " + path);
    uint64_t n = json.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out.write(json.data(), static_cast<std::streamsize>(json.size()));
    for (const auto& t : data) out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
    NST_CHECK(out.good(), kIo, "cannot write " + path + " (disk full?)");
  }
  file.commit();
}

}  // namespace nst
