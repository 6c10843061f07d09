#include "judge_binding.h"

#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

#include <memory>

#include "image_check.h"
#include "network_binding.h"
#include "nst/score.h"
#include "option_tables.h"

namespace nst::python {
namespace py = pybind11;

namespace {

/// content, styles: 1x3xHxW; options: the score keywords; network: None = the seeded judge.
std::unique_ptr<Judge> make_judge(const at::Tensor& content, const std::vector<at::Tensor>& styles,
                                  const py::dict& options, const Network* network) {
  check_image(content, "content");
  for (const auto& s : styles) check_image(s, "style");
  const ScoreOptions o = score_options(options);
  // As nst score: --judge-seed picks the embedded judge's filters; it means nothing for a file.
  NST_CHECK(!network || !options.contains("judge_seed") || options["judge_seed"].is_none(), kUsage,
            "judge_seed applies to the embedded judge only, not to weights " + (network ? network->spec() : ""));
  py::gil_scoped_release release;
  VggWeights weights = network ? network->weights() : default_judge_weights(o);
  return std::make_unique<Judge>(std::move(weights), content, styles, o);
}

py::dict score(const Judge& judge, const at::Tensor& image) {
  check_image(image, "image");
  ScoreResult r;
  {
    py::gil_scoped_release release;
    r = judge.score(image);
  }
  py::dict d;
  d["style"] = r.style;
  d["content"] = r.content;
  d["style_distance"] = r.style_distance;
  d["content_distance"] = r.content_distance;
  d["style_baseline"] = r.style_baseline;
  d["content_baseline"] = r.content_baseline;
  d["style_sliced"] = r.style_sliced;
  d["style_sliced_distance"] = r.style_sliced_distance;
  d["style_sliced_baseline"] = r.style_sliced_baseline;
  d["style_layers"] = py::cast(r.style_layers);
  d["content_layers"] = py::cast(r.content_layers);
  return d;
}

}  // namespace

void bind_judge(py::module_& m) {
  py::class_<Judge>(m, "Judge")
      .def(py::init(&make_judge), py::arg("content"), py::arg("styles"), py::arg("options"),
           py::arg("network").none(true))
      .def("score", &score, py::arg("image"))
      .def_property_readonly("height", &Judge::height)
      .def_property_readonly("width", &Judge::width)
      .def_property_readonly("source", [](const Judge& j) { return j.weights().source; });
}

}  // namespace nst::python
