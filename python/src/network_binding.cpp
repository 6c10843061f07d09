#include "network_binding.h"

#include <pybind11/stl.h>

#include "nst/weights.h"

namespace nst::python {
namespace py = pybind11;

Network::Network(const std::string& weights, const std::string& model, const std::string& preprocess)
    : spec_(weights) {
  const VggArch arch = parse_arch(model);
  py::gil_scoped_release release;  // the embedded network takes a moment to calibrate
  weights_ = load_weights(weights, arch, preprocess);
}

void bind_network(py::module_& m) {
  py::class_<Network>(m, "Network", R"(A VGG network loaded once and reused by many runs.

Network(weights="embedded", model=..., preprocess="")

weights: "embedded" (a seeded random VGG, nothing to download), a name fetched with
nst.fetch_weights / `nst weights fetch` (e.g. "vgg19"), or a weight file (.pth, .h5,
.caffemodel, safetensors; the format is detected from the content). model: the shape of the
embedded network (vgg19 | vgg16). preprocess: the input convention of the weights (caffe |
torchvision; "" = recorded in the file or decided from it).

Style defaults follow the network, as in the CLI: trained weights take jcjohnson's (content 5,
style 100, TV 1e-3, relu4_2, noise init, max pooling).)")
      .def(py::init<const std::string&, const std::string&, const std::string&>(), py::arg("weights") = "embedded",
           py::arg("model") = to_string(EmbeddedNetOptions{}.arch), py::arg("preprocess") = "")
      .def_property_readonly("source", [](const Network& n) { return n.weights().source; },
                             "where the weights came from (\"embedded(seed=...)\" or the file)")
      .def_property_readonly("spec", &Network::spec, "the weights argument it was made with")
      .def_property_readonly("model", [](const Network& n) { return to_string(n.weights().arch); })
      .def_property_readonly("preprocess", [](const Network& n) { return to_string(n.weights().preprocess); })
      .def_property_readonly("trained", &Network::trained, "True for weight files: the trained-VGG style defaults apply")
      .def_property_readonly("layers", [](const Network& n) { return layer_names(n.weights().arch); },
                             "layer names, in forward order")
      .def("__repr__", [](const Network& n) {
        return "nst.Network(" + n.weights().source + ", " + to_string(n.weights().arch) + ", " +
               to_string(n.weights().preprocess) + ")";
      });
}

}  // namespace nst::python
