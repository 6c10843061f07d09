#pragma once
// Where network weights come from: the embedded seeded network, or files (safetensors here;
// the other formats plug in through detect_weight_format / load_weights).
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

enum class WeightFormat { kUnknown, kSafetensors };
std::string to_string(WeightFormat format);

/// Detects a weight file's format from its first bytes (not its name).
WeightFormat detect_weight_format(const uint8_t* data, size_t size);

/// Parses a safetensors buffer (F32/F16/BF16/F64 tensors become float32). Bounds-checked;
/// throws nst::Error(kFormat) naming the problem. `metadata` receives __metadata__ if given.
StateDict parse_safetensors(const uint8_t* data, size_t size, std::map<std::string, std::string>* metadata = nullptr);
/// Writes float32 tensors as safetensors, atomically.
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::map<std::string, std::string>& metadata = {});

/// Maps a state dict onto VGG conv layers. Accepts torchvision keys (features.N.weight) and
/// Gatys-style keys (conv1_1.weight); the architecture is decided by the number of convs.
VggWeights vgg_from_state_dict(const StateDict& tensors, Preprocess preprocess);
/// The inverse: keys conv1_1.weight, conv1_1.bias, ...
StateDict state_dict_from_vgg(const VggWeights& weights);

/// Options of the embedded (seeded random) network.
struct EmbeddedNetOptions {
  uint64_t seed = 20170101;  ///< the network is a pure function of this seed
  VggArch arch = VggArch::kVgg19;
};
/// A VGG-shaped network with seeded random filters, each layer rescaled so that its mean ReLU
/// activation on a natural-image-like (1/f spectrum) calibration image is 1.
VggWeights make_embedded_vgg(const EmbeddedNetOptions& options = {});

/// "embedded" -> make_embedded_vgg(); otherwise a file path (format detected from content).
/// `preprocess` overrides the file's convention when non-empty ("caffe" | "torchvision").
VggWeights load_weights(const std::string& spec, VggArch arch, const std::string& preprocess_override = "");

}  // namespace nst
