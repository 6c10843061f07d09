// Published VGG weight files. PyTorch's hub names files <name>-<first 8 hex digits of SHA-256>,
// and that prefix is all that is known here (no machine here could download the files to hash
// them), so a match is on those 8 digits: enough to tell the few files users have apart, not a
// proof. Where a full hash becomes known, put it in `sha256`: fetch then checks all of it.
#include "weights/known_files.h"

namespace nst::detail {
namespace {

constexpr KnownWeightFile kKnownFiles[] = {
    {"vgg19", "vgg19-dcbb9e9d.pth", "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth", "dcbb9e9d", "",
     "vgg19-dcbb9e9d.pth (torchvision)", Preprocess::kTorchvision},
    {"vgg16", "vgg16-397923af.pth", "https://download.pytorch.org/models/vgg16-397923af.pth", "397923af", "",
     "vgg16-397923af.pth (torchvision)", Preprocess::kTorchvision},
    // Caffe VGG converted to torchvision's layout (jcjohnson, used by neural-style-pt): same
    // features.N keys, but trained on BGR 0..255 input, so the keys alone would mislead.
    {"vgg19-caffe", "vgg19-d01eb7cb.pth", "https://web.eecs.umich.edu/~justincj/models/vgg19-d01eb7cb.pth",
     "d01eb7cb", "", "vgg19-d01eb7cb.pth (Caffe VGG19 converted)", Preprocess::kCaffe},
    {"vgg16-caffe", "vgg16-00b39a1b.pth", "https://web.eecs.umich.edu/~justincj/models/vgg16-00b39a1b.pth",
     "00b39a1b", "", "vgg16-00b39a1b.pth (Caffe VGG16 converted)", Preprocess::kCaffe},
    // Keras publishes only an MD5 in its source, so nothing is checked on the first download;
    // fetch records the SHA-256 it saw and checks later downloads against it.
    {"vgg19-keras", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
     "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "", "", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 (Keras)", Preprocess::kCaffe},
};

}  // namespace

const KnownWeightFile* find_known_weight_file(const std::string& sha256_hex) {
  for (const KnownWeightFile& f : kKnownFiles) {
    if (f.sha256_prefix[0] != '\0' && sha256_hex.rfind(f.sha256_prefix, 0) == 0) return &f;
  }
  return nullptr;
}

const KnownWeightFile* find_known_weight_file_by_key(const std::string& key) {
  for (const KnownWeightFile& f : kKnownFiles) {
    if (key == f.key) return &f;
  }
  return nullptr;
}

std::vector<const KnownWeightFile*> known_weight_files() {
  std::vector<const KnownWeightFile*> out;
  for (const KnownWeightFile& f : kKnownFiles) out.push_back(&f);
  return out;
}

}  // namespace nst::detail
