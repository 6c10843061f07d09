// Published VGG .pth files. PyTorch's hub names files <name>-<first 8 hex digits of SHA-256>,
// and that prefix is all that is known here (no machine here can download the files), so a
// match is on those 8 digits: enough to tell the few files users have apart, not a proof.
#include "weights/known_files.h"

namespace nst::detail {
namespace {

constexpr KnownWeightFile kKnownFiles[] = {
    {"dcbb9e9d", "vgg19-dcbb9e9d.pth (torchvision)", Preprocess::kTorchvision},
    {"397923af", "vgg16-397923af.pth (torchvision)", Preprocess::kTorchvision},
    // Caffe VGG converted to torchvision's layout (jcjohnson, used by neural-style-pt): same
    // features.N keys, but trained on BGR 0..255 input, so the keys alone would mislead.
    {"d01eb7cb", "vgg19-d01eb7cb.pth (Caffe VGG19 converted)", Preprocess::kCaffe},
    {"00b39a1b", "vgg16-00b39a1b.pth (Caffe VGG16 converted)", Preprocess::kCaffe},
};

}  // namespace

const KnownWeightFile* find_known_weight_file(const std::string& sha256_hex) {
  for (const KnownWeightFile& f : kKnownFiles) {
    if (sha256_hex.rfind(f.sha256_prefix, 0) == 0) return &f;
  }
  return nullptr;
}

}  // namespace nst::detail
