// nst._nst: the native half of the Python package. A PyTorch C++ extension: at::Tensor and
// torch.Tensor convert through torch's own pybind11 casters (torch/csrc/utils/pybind.h), without
// copies. Thin: options come in as dicts keyed like the CLI's flags (option_tables.cpp), images
// as 1x3xHxW float tensors (the Python layer, nst/_images.py, converts arrays and PIL images).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

#include <filesystem>

#include "errors.h"
#include "judge_binding.h"
#include "image_check.h"
#include "network_binding.h"
#include "nst/image.h"
#include "nst/memory_plan.h"
#include "nst/runtime.h"
#include "nst/weights.h"
#include "nst/fetch.h"
#include "nst/weight_cache.h"
#include "option_tables.h"
#include "python_progress.h"

namespace nst::python {
namespace {

/// CLI: --device cuda without a GPU is a usage error, found before any work.
void check_device(const std::string& device, ComputePrecision precision) {
  if (device != "cpu") NST_CHECK(cuda_available(), kUsage, "device " + device + ": no CUDA device available");
  check_precision_supported(precision, device);
}

/// The fields every run returns: the image, the last report, why it stopped.
template <class Result>
py::dict run_result(const Result& result, bool interrupted) {
  py::dict d = report_dict(result.last);
  d["image"] = result.image;
  d["stop"] = to_string(result.stop);
  d["message"] = result.message;
  d["interrupted"] = interrupted;
  return d;
}

py::dict style(const Network& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
               const py::dict& options, py::object callback, bool with_image) {
  check_image(content, "content");
  for (const auto& s : styles) check_image(s, "style");
  const StyleOptions o = style_options(options, net.trained());
  check_device(o.device, o.precision);
  PythonProgress progress(std::move(callback), with_image);
  StyleResult result;
  {
    py::gil_scoped_release release;  // other Python threads run meanwhile
    result = run_style(net.weights(), content, styles, o, progress.callback());
  }
  const bool interrupted = progress.finish();
  return run_result(result, interrupted);
}

py::dict invert(const Network& net, const at::Tensor& image, const py::dict& options, py::object callback,
                bool with_image) {
  check_image(image, "image");
  const InvertOptions o = invert_options(options);
  check_device(o.device, o.precision);
  PythonProgress progress(std::move(callback), with_image);
  InvertResult result;
  {
    py::gil_scoped_release release;
    result = run_invert(net.weights(), image, o, progress.callback());
  }
  const bool interrupted = progress.finish();
  py::dict d = run_result(result, interrupted);
  d["feature_loss"] = result.feature_loss;
  d["psnr"] = result.psnr;
  d["stalls"] = result.stalls;
  d["blurs"] = result.blurs;
  d["resets"] = result.resets;
  return d;
}

void check_side(int px, const std::string& what) {
  NST_CHECK(px >= 16 && px <= kMaxImageSide, kUsage,
            what + " must be between 16 and " + std::to_string(kMaxImageSide) + " px, got " + std::to_string(px));
}

py::dict plan(int width, int height, int style_width, int style_height, const py::dict& options,
              const std::string& weights, const std::string& model, double memory_limit_gib) {
  for (auto [key, value] : options) {
    const std::string name = py::str(key);
    const auto& allowed = plan_keywords();
    NST_CHECK(std::find(allowed.begin(), allowed.end(), name) != allowed.end(), kUsage,
              "unknown option '" + name + "' for plan");
  }
  check_side(width, "size");
  check_side(height, "size");
  check_side(style_width, "style_size");
  check_side(style_height, "style_size");
  NST_CHECK(memory_limit_gib >= 0 && std::isfinite(memory_limit_gib), kUsage, "memory_limit must be >= 0 GiB");
  const bool embedded = weights == "embedded";
  const StyleOptions o = style_options(options, !embedded);
  NST_CHECK(o.iterations >= 0, kUsage, "iterations must be >= 0");
  MemoryPlanInput in = memory_plan_input(o, parse_arch(model), embedded ? EmbeddedNetOptions{}.padding : Padding::kZeros);
  in.height = height;
  in.width = width;
  in.styles = {{style_height, style_width}};
  if (!embedded) {
    std::error_code ec;
    in.weights_file_bytes = std::filesystem::file_size(weights, ec);
    NST_CHECK(!ec, kIo, "weights file not found: " + weights);
  }
  const uint64_t budget =
      memory_limit_gib > 0 ? static_cast<uint64_t>(memory_limit_gib * (1ull << 30)) : available_memory_bytes();
  const MemoryPlan p = plan_style_memory(in);
  py::dict d;
  d["width"] = width;
  d["height"] = height;
  d["peak_bytes"] = p.peak_bytes;
  d["parts"] = py::cast(p.parts);
  d["budget_bytes"] = budget;
  d["fits"] = budget == 0 || p.peak_bytes <= budget;
  d["largest_fitting_side"] = budget > 0 ? largest_fitting_side(in, budget) : 0;
  return d;
}

py::dict fetch(const std::string& name, const std::string& url, const std::string& sha256,
               const std::string& preprocess, const std::string& cache_dir, bool force) {
  FetchOptions o;
  o.name = name;
  o.url = url;
  o.sha256 = sha256;
  o.preprocess = preprocess;
  o.cache_dir = cache_dir;
  o.force = force;
  FetchResult r;
  {
    py::gil_scoped_release release;
    r = fetch_weights(o);
  }
  py::dict d;
  d["path"] = r.entry.path;
  d["sha256"] = r.entry.sha256;
  d["already_cached"] = r.already_cached;
  d["hash_note"] = r.hash_note;
  return d;
}

py::dict style_defaults(bool trained) {
  StyleOptions o;
  if (trained) o = trained_vgg_style_defaults();
  return style_table().to_dict(o);
}

}  // namespace

PYBIND11_MODULE(_nst, m) {
  m.doc() = "Native part of the nst package (use the functions of nst, not these).";
  register_error_translator();
  bind_network(m);
  bind_judge(m);

  // Defaults and keyword tables, read by nst/_signature.py to build signatures and docstrings.
  m.def("style_defaults", &style_defaults, py::arg("trained"));
  m.def("style_keywords", [] { return describe(style_table()); });
  m.def("invert_defaults", [] { return invert_table().to_dict(InvertOptions{}); });
  m.def("invert_keywords", [] { return describe(invert_table()); });
  m.def("score_defaults", [] { return score_table().to_dict(ScoreOptions{}); });
  m.def("score_keywords", [] { return describe(score_table()); });
  m.def("plan_keywords", &plan_keywords);
  m.def("default_learning_rates", [] {
    py::dict d;
    for (const char* name : {"lbfgs", "adam", "sgd"}) d[name] = default_learning_rate(parse_optimizer_kind(name));
    return d;
  });
  m.def("default_style_weights", [](bool trained) {
    py::dict d;
    for (StyleLoss l : {StyleLoss::kGram, StyleLoss::kMeanCov, StyleLoss::kSlicedWasserstein})
      d[py::str(to_string(l))] = default_style_weight(l, trained);
    return d;
  }, py::arg("trained"));
  m.attr("default_model") = to_string(EmbeddedNetOptions{}.arch);

  m.def("run_style", &style, py::arg("network"), py::arg("content"), py::arg("styles"), py::arg("options"),
        py::arg("callback"), py::arg("with_image"));
  m.def("run_invert", &invert, py::arg("network"), py::arg("image"), py::arg("options"), py::arg("callback"),
        py::arg("with_image"));
  m.def("plan", &plan, py::arg("width"), py::arg("height"), py::arg("style_width"), py::arg("style_height"),
        py::arg("options"), py::arg("weights"), py::arg("model"), py::arg("memory_limit"));
  m.def("fetch_weights", &fetch, py::arg("name"), py::arg("url") = FetchOptions{}.url,
        py::arg("sha256") = FetchOptions{}.sha256, py::arg("preprocess") = FetchOptions{}.preprocess,
        py::arg("cache_dir") = FetchOptions{}.cache_dir, py::arg("force") = FetchOptions{}.force);

  m.def("read_image", [](const std::string& path, int size) {
    py::gil_scoped_release release;
    return read_image(path, size);
  }, py::arg("path"), py::arg("size") = 0);
  m.def("write_image", [](const at::Tensor& image, const std::string& path) {
    py::gil_scoped_release release;
    write_image(image, path);
  }, py::arg("image"), py::arg("path"));
  m.def("resize_image", &resize_image, py::arg("image"), py::arg("height"), py::arg("width"));
  m.def("fit_longest_side", &fit_longest_side, py::arg("height"), py::arg("width"), py::arg("longest_side"));
  m.def("transfer_original_colors", &transfer_original_colors, py::arg("content"), py::arg("stylized"));
  m.def("configure_runtime", &configure_runtime, py::arg("threads"));
  m.def("cuda_available", &cuda_available);
  m.attr("max_image_side") = kMaxImageSide;
  // Test hook: throws nst::Error of a kind ("usage", "io", ...; "torch": a c10::Error) through the
  // real translator, so that every kind's Python class is checked (tests/python/test_errors.py).
  m.def("_raise_error", &raise_error_kind, py::arg("kind"), py::arg("message"));
}

}  // namespace nst::python
