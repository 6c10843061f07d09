#pragma once
// Where network weights come from: the embedded seeded network, or files (safetensors, PyTorch
// .pth zip or legacy, Keras .h5, Caffe .caffemodel; detected by content in detect_weight_format,
// parsed in read_weight_file; other formats plug in there).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nst/network.h"

namespace nst {

/// Named tensors in file order.
using StateDict = std::vector<std::pair<std::string, at::Tensor>>;

/// kTorchZip: torch.save since 1.6 (a stored zip); kTorchLegacy: the older pickle stream;
/// kKerasH5: Keras 1/2 HDF5 weights or model file; kCaffemodel: a Caffe NetParameter protobuf.
enum class WeightFormat { kUnknown, kSafetensors, kTorchZip, kTorchLegacy, kKerasH5, kCaffemodel };
std::string to_string(WeightFormat format);

/// Detects a weight file's format from its bytes (not its name). Magic numbers first; a
/// caffemodel has none and is recognised by its leading protobuf fields, last.
WeightFormat detect_weight_format(const uint8_t* data, size_t size);

/// Parses a safetensors buffer (F32/F16/BF16/F64 tensors become float32 unless keep_dtypes).
/// Bounds-checked; throws nst::Error(kFormat) naming the problem. `metadata` receives __metadata__ if given.
StateDict parse_safetensors(const uint8_t* data, size_t size, std::map<std::string, std::string>* metadata = nullptr,
                            bool keep_dtypes = false);
/// Writes tensors as float32 safetensors (keep_dtypes: each in its own dtype, F32/F16/BF16/F64), atomically.
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::map<std::string, std::string>& metadata = {}, bool keep_dtypes = false);

/// Parses a PyTorch .pth (zip or legacy stream) holding a state dict, with a pickle reader that
/// only accepts state-dict types (never runs code). Floating tensors become float32; integer
/// tensors and non-tensor entries are skipped. Bounds-checked; throws nst::Error(kFormat).
StateDict parse_torch_checkpoint(const uint8_t* data, size_t size);

/// Maps a state dict onto VGG conv layers. Accepts torchvision keys (features.N.weight) and
/// Gatys-style keys (conv1_1.weight); the architecture is decided by the number of convs.
VggWeights vgg_from_state_dict(const StateDict& tensors, Preprocess preprocess);
/// The inverse: keys conv1_1.weight, conv1_1.bias, ...
StateDict state_dict_from_vgg(const VggWeights& weights);

/// Options of the embedded (seeded random) network.
struct EmbeddedNetOptions {
  uint64_t seed = 20170101;  ///< the network is a pure function of this seed
  VggArch arch = VggArch::kVgg19;
  Padding padding = Padding::kReflect;  ///< no dark frame from zero padding
  /// Folder of a cache of the generated network (generating costs ~0.6 s, reading ~0.05 s); ""
  /// (the default): no cache, always generated. The CLI passes weight_cache_dir().
  std::string cache_dir;
};
/// A VGG-shaped network with seeded random filters, each layer rescaled so that its mean ReLU
/// activation on a natural-image-like (1/f spectrum) calibration image is 1. With a cache_dir,
/// read from embedded_net_cache_path() when that holds this very network, else generated and
/// written there (atomically; a missing, damaged or stale file, or a folder that cannot be
/// written, only costs the generation). Cached or not, the same weights bit for bit.
VggWeights make_embedded_vgg(const EmbeddedNetOptions& options = {});
/// The cache file of make_embedded_vgg(options) in options.cache_dir ("" without one), named by
/// arch, seed, generator version and libtorch's current intra-op thread count: the calibration's
/// float sums, hence the last bit of the weights, depend on that count.
std::string embedded_net_cache_path(const EmbeddedNetOptions& options);

/// A weight file read into memory, and the input convention it implies.
struct WeightFile {
  WeightFormat format = WeightFormat::kUnknown;
  StateDict tensors;
  std::map<std::string, std::string> metadata;  ///< safetensors __metadata__ (empty for other formats)
  std::string sha256;                           ///< of the whole file, lower-case hex
  std::string known_as;                         ///< published name when the hash is known, else ""
  Preprocess preprocess = Preprocess::kCaffe;   ///< the file's own convention (no override)
  std::string preprocess_reason;                ///< why: "metadata", "known file ...", "key layout ..."
};
/// Reads and parses a weight file (format detected from content). Throws nst::Error.
WeightFile read_weight_file(const std::string& path);

/// "embedded" -> make_embedded_vgg(); otherwise a file path (format detected from content).
/// `preprocess` overrides the file's convention when non-empty ("caffe" | "torchvision").
VggWeights load_weights(const std::string& spec, VggArch arch, const std::string& preprocess_override = "");
/// As above, "embedded" being make_embedded_vgg(embedded) (its arch, seed and cache_dir); a file
/// is read as above.
VggWeights load_weights(const std::string& spec, const EmbeddedNetOptions& embedded,
                        const std::string& preprocess_override = "");

}  // namespace nst
