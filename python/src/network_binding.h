#pragma once
// nst.Network: VGG weights loaded once (the embedded network, a cached name or a file) and
// reused by any number of runs.
#include <pybind11/pybind11.h>

#include <string>

#include "nst/network.h"

namespace nst::python {

class Network {
 public:
  /// weights: "embedded" | a cached name (nst weights fetch) | a file; model: the embedded
  /// network's shape; preprocess: "" (the file's own convention) | "caffe" | "torchvision".
  Network(const std::string& weights, const std::string& model, const std::string& preprocess);

  const VggWeights& weights() const { return weights_; }
  const std::string& spec() const { return spec_; }
  /// Trained weights (a file or name) take trained_vgg_style_defaults(), as in the CLI.
  bool trained() const { return spec_ != "embedded"; }

 private:
  VggWeights weights_;
  std::string spec_;
};

void bind_network(pybind11::module_& m);

}  // namespace nst::python
