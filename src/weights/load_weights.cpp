// Entry point for weights: "embedded" or a file whose format is detected from its bytes.
#include <ATen/ATen.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "nst/error.h"
#include "nst/weight_cache.h"
#include "nst/weights.h"
#include "weights/caffemodel.h"
#include "weights/keras_h5.h"
#include "weights/known_files.h"
#include "weights/sha256.h"
#include "weights/torch_pickle.h"

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

bool has_key(const StateDict& tensors, const std::string& key) {
  for (const auto& [k, t] : tensors) {
    if (k == key) return true;
  }
  return false;
}

// A .pth does not record its input convention: Gatys-style names come from Caffe models, a
// known Caffe conversion is recognised by hash, and other features.N files are torchvision's.
void decide_preprocess(WeightFile& f) {
  if (f.format == WeightFormat::kKerasH5) {
    f.preprocess = Preprocess::kCaffe;
    f.preprocess_reason = "Keras VGG (keras.applications caffe mode: BGR, 0-255, mean subtracted)";
  } else if (f.format == WeightFormat::kCaffemodel) {
    f.preprocess = Preprocess::kCaffe;
    f.preprocess_reason = "Caffe model (BGR, 0-255, mean subtracted)";
  } else if (f.format == WeightFormat::kSafetensors) {
    auto it = f.metadata.find("preprocess");
    f.preprocess = parse_preprocess(it != f.metadata.end() ? it->second : "caffe");
    f.preprocess_reason = it != f.metadata.end() ? "file metadata" : "default for safetensors without metadata";
  } else if (has_key(f.tensors, "conv1_1.weight")) {
    f.preprocess = Preprocess::kCaffe;
    f.preprocess_reason = "conv1_1.weight keys (Gatys/Caffe layout)";
  } else if (const detail::KnownWeightFile* known = detail::find_known_weight_file(f.sha256)) {
    f.preprocess = known->preprocess;
    f.preprocess_reason = std::string("known file ") + known->name;
  } else {
    f.preprocess = Preprocess::kTorchvision;
    f.preprocess_reason = has_key(f.tensors, "features.0.weight") ? "features.N keys, hash not a known Caffe conversion"
                                                                   : "PyTorch default (no Caffe markers)";
  }
}

}  // namespace

std::string to_string(WeightFormat format) {
  switch (format) {
    case WeightFormat::kSafetensors: return "safetensors";
    case WeightFormat::kTorchZip: return "pytorch-zip";
    case WeightFormat::kTorchLegacy: return "pytorch-legacy";
    case WeightFormat::kKerasH5: return "keras-h5";
    case WeightFormat::kCaffemodel: return "caffemodel";
    case WeightFormat::kUnknown: break;
  }
  return "unknown";
}

WeightFormat detect_weight_format(const uint8_t* data, size_t size) {
  if (size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0) return WeightFormat::kTorchZip;
  if (detail::has_torch_legacy_magic(data, size)) return WeightFormat::kTorchLegacy;
  // safetensors: u64 header length, then a JSON object.
  if (size >= 10 && data[8] == '{') {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];
    if (n <= size - 8) return WeightFormat::kSafetensors;
  }
  if (detail::has_hdf5_signature(data, size)) return WeightFormat::kKerasH5;
  if (detail::looks_like_caffemodel(data, size)) return WeightFormat::kCaffemodel;  // no magic: last
  return WeightFormat::kUnknown;
}

// parse_torch_checkpoint is in torch_pickle.cpp, next to its parsers (fuzzed without this file).

WeightFile read_weight_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  WeightFile f;
  f.format = detect_weight_format(bytes.data(), bytes.size());
  try {
    switch (f.format) {
      case WeightFormat::kSafetensors:
        f.tensors = parse_safetensors(bytes.data(), bytes.size(), &f.metadata);
        break;
      case WeightFormat::kTorchZip:
      case WeightFormat::kTorchLegacy:
        f.tensors = parse_torch_checkpoint(bytes.data(), bytes.size());
        break;
      case WeightFormat::kKerasH5:
        f.tensors = detail::parse_keras_h5(bytes.data(), bytes.size());
        break;
      case WeightFormat::kCaffemodel:
        f.tensors = detail::parse_caffemodel(bytes.data(), bytes.size());
        break;
      case WeightFormat::kUnknown: {
        const bool tar = bytes.size() > 262 && std::memcmp(bytes.data() + 257, "ustar", 5) == 0;
        fail(ErrorKind::kFormat, "weights file " + path + " is not in a known format" +
                                     (tar ? " (a tar-format .pth from PyTorch < 0.4 is not supported; re-save it)"
                                          : " (supported: safetensors, PyTorch .pth, Keras .h5, Caffe .caffemodel)"));
      }
    }
  } catch (const Error& e) {
    if (f.format == WeightFormat::kUnknown) throw;
    fail(e.kind(), path + ": " + e.what());  // name the file in parser messages
  }
  f.sha256 = detail::sha256_hex(bytes.data(), bytes.size());
  if (const detail::KnownWeightFile* known = detail::find_known_weight_file(f.sha256)) f.known_as = known->name;
  decide_preprocess(f);
  return f;
}

VggWeights load_weights(const std::string& spec, VggArch arch, const std::string& preprocess_override) {
  EmbeddedNetOptions embedded;
  embedded.arch = arch;
  return load_weights(spec, embedded, preprocess_override);
}

VggWeights load_weights(const std::string& spec, const EmbeddedNetOptions& embedded,
                        const std::string& preprocess_override) {
  if (spec == "embedded") {
    VggWeights w = make_embedded_vgg(embedded);
    if (!preprocess_override.empty()) w.preprocess = parse_preprocess(preprocess_override);
    return w;
  }
  // A name from `nst weights fetch` (vgg19, or a custom one) stands for its cached file; a
  // custom entry may carry the convention given at fetch time.
  const std::optional<CachedWeights> cached = resolve_cached_weights(spec);
  WeightFile f = read_weight_file(cached ? cached->path : spec);
  const std::string chosen = !preprocess_override.empty() ? preprocess_override : cached ? cached->preprocess : "";
  const Preprocess convention = chosen.empty() ? f.preprocess : parse_preprocess(chosen);
  VggWeights w = vgg_from_state_dict(f.tensors, convention);
  auto padding = f.metadata.find("padding");
  if (padding != f.metadata.end()) {
    const std::string& p = padding->second;
    NST_CHECK(p == "zeros" || p == "reflect" || p == "circular", kFormat,
              spec + ": unknown padding '" + p + "' in the metadata (expected zeros, reflect or circular)");
    w.padding = parse_padding(p);
  }
  w.source = cached ? spec + " (" + cached->path + ")" : spec;
  return w;
}

}  // namespace nst
