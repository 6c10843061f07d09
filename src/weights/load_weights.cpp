// Entry point for weights: "embedded" or a file whose format is detected from its bytes.
#include <ATen/ATen.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "nst/error.h"
#include "nst/weights.h"

namespace nst {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  NST_CHECK(std::filesystem::is_regular_file(path, ec), kIo, "weights file not found: " + path);
  std::ifstream in(path, std::ios::binary);
  NST_CHECK(in.good(), kIo, "cannot open weights file " + path);
  std::vector<uint8_t> bytes(std::filesystem::file_size(path, ec));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  NST_CHECK(in.gcount() == static_cast<std::streamsize>(bytes.size()), kIo, "cannot read weights file " + path);
  return bytes;
}

}  // namespace

std::string to_string(WeightFormat format) { return format == WeightFormat::kSafetensors ? "safetensors" : "unknown"; }

WeightFormat detect_weight_format(const uint8_t* data, size_t size) {
  // safetensors: u64 header length, then a JSON object.
  if (size >= 10 && data[8] == '{') {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];
    if (n <= size - 8) return WeightFormat::kSafetensors;
  }
  return WeightFormat::kUnknown;
}

VggWeights load_weights(const std::string& spec, VggArch arch, const std::string& preprocess_override) {
  if (spec == "embedded") {
    EmbeddedNetOptions options;
    options.arch = arch;
    VggWeights w = make_embedded_vgg(options);
    if (!preprocess_override.empty()) w.preprocess = parse_preprocess(preprocess_override);
    return w;
  }
  const std::vector<uint8_t> bytes = read_file(spec);
  switch (detect_weight_format(bytes.data(), bytes.size())) {
    case WeightFormat::kSafetensors: {
      std::map<std::string, std::string> metadata;
      StateDict tensors = parse_safetensors(bytes.data(), bytes.size(), &metadata);
      std::string convention = preprocess_override;
      if (convention.empty()) convention = metadata.count("preprocess") ? metadata["preprocess"] : "caffe";
      VggWeights w = vgg_from_state_dict(tensors, parse_preprocess(convention));
      if (metadata.count("padding") && metadata["padding"] == "reflect") w.padding = Padding::kReflect;
      w.source = spec;
      return w;
    }
    case WeightFormat::kUnknown:
      break;
  }
  fail(ErrorKind::kFormat, "weights file " + spec + " is not in a known format (supported: safetensors)");
}

}  // namespace nst
