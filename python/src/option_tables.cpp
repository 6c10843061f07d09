#include "option_tables.h"

#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

#include <cmath>

#include "nst/image.h"

namespace nst::python {

void wrong_type(const std::string& name, const std::string& type, py::handle value) {
  fail(ErrorKind::kUsage, name + " must be " + type + ", got " + std::string(py::repr(value)));
}

std::vector<std::string> string_list(py::handle value, const std::string& name) {
  std::vector<std::string> items;
  if (py::isinstance<py::str>(value)) {
    const std::string text = value.cast<std::string>();
    size_t start = 0;
    while (true) {
      const size_t comma = text.find(',', start);
      items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    items = from_python<std::vector<std::string>>(value, name, "a list of str or a comma-separated str");
  }
  for (const auto& item : items) NST_CHECK(!item.empty(), kUsage, name + ": empty item in " + std::string(py::repr(value)));
  return items;
}

namespace {

/// A start image: a 1x3xHxW tensor (the Python layer converts arrays and PIL images) or a file.
at::Tensor init_image(py::handle value) {
  if (py::isinstance<py::str>(value)) return read_image(value.cast<std::string>());
  return value.cast<at::Tensor>();
}

/// The init keyword: a keyword the library's parse function knows, else a start image (init ==
/// kImage); `Kind` is InitKind or InvertInit.
template <class Options, class Kind>
void add_init(OptionTable<Options>& t, const std::string& help, bool (*parse)(const std::string&, Kind*),
              std::string (*name_of)(Kind)) {
  t.custom(
      "init", "str | image", help, [name_of](const Options& o) { return py::cast(name_of(o.init)); },
      [parse](Options& o, py::handle v) {
        if (py::isinstance<py::str>(v) && parse(v.cast<std::string>(), &o.init)) return;
        o.init = Kind::kImage;
        o.init_image = init_image(v);
      });
}

/// Members both StyleOptions and InvertOptions have: the optimizer and the network's arithmetic.
template <class Options>
void add_optimizer_and_network(OptionTable<Options>& t) {
  t.custom(
      "optimizer", "str", "lbfgs | adam | sgd",
      [](const Options& o) { return py::cast(to_string(o.optimizer.kind)); },
      [](Options& o, py::handle v) { o.optimizer.kind = parse_optimizer_kind(from_python<std::string>(v, "optimizer", "str")); });
  t.custom(
      "history", "int", "L-BFGS history size (1..10000)", [](const Options& o) { return py::cast(o.optimizer.history); },
      [](Options& o, py::handle v) {
        o.optimizer.history = from_python<int>(v, "history", "int");
        NST_CHECK(o.optimizer.history >= 1 && o.optimizer.history <= 10000, kUsage, "history must be between 1 and 10000");
      });
  t.custom(
      "history_precision", "str", "L-BFGS history storage: float32 | float16 | bfloat16 (half the memory)",
      [](const Options& o) { return py::cast(to_string(o.optimizer.history_precision)); },
      [](Options& o, py::handle v) {
        o.optimizer.history_precision = parse_history_precision(from_python<std::string>(v, "history_precision", "str"));
      });
  t.custom(
      "history_device", "str", "keep the L-BFGS history on this device ('' = with the image; cpu: a GPU run's in host memory)",
      [](const Options& o) { return py::cast(o.optimizer.history_device); },
      [](Options& o, py::handle v) {
        const std::string d = from_python<std::string>(v, "history_device", "str");
        NST_CHECK(d.empty() || d == "cpu" || d.rfind("cuda", 0) == 0, kUsage,
                  "history_device must be cpu or cuda[:N], got '" + d + "'");
        o.optimizer.history_device = d;
      });
  t.custom(
      "line_search", "str", "L-BFGS line search: strong-wolfe | none (fixed step)",
      [](const Options& o) { return py::cast(std::string(o.optimizer.line_search ? "strong-wolfe" : "none")); },
      [](Options& o, py::handle v) {
        const std::string s = from_python<std::string>(v, "line_search", "str");
        NST_CHECK(s == "strong-wolfe" || s == "none", kUsage, "line_search must be strong-wolfe or none");
        o.optimizer.line_search = s == "strong-wolfe";
      });
  t.custom(
      "learning_rate", "float", "step size (None: the optimizer's own default, see default_learning_rates())",
      [](const Options& o) { return py::object(py::none()); },
      [](Options& o, py::handle v) {
        o.optimizer.learning_rate = from_python<double>(v, "learning_rate", "float");
        NST_CHECK(o.optimizer.learning_rate > 0 && std::isfinite(o.optimizer.learning_rate), kUsage,
                  "learning_rate must be > 0");
      });
  t.custom(
      "pooling", "str", "max | avg", [](const Options& o) { return py::cast(to_string(o.pooling)); },
      [](Options& o, py::handle v) { o.pooling = parse_pooling(from_python<std::string>(v, "pooling", "str")); });
  t.value("device", &Options::device, "str", "cpu | cuda | cuda:N (None: the input tensor's device)");
  t.choice("precision", &Options::precision, parse_compute_precision, to_string,
           "network arithmetic: float32 | bfloat16 | float16 (GPU only); losses and optimizer stay float32");
  t.custom(
      "no_tf32", "bool", "CUDA: keep float32 passes off the TF32 tensor cores",
      [](const Options& o) { return py::cast(!o.allow_tf32); },
      [](Options& o, py::handle v) { o.allow_tf32 = !from_python<bool>(v, "no_tf32", "bool"); });
}

/// RunOptions' iterations and coarse-to-fine scales, one meaning in every table (as --scales in the CLI).
template <class Options>
void add_length_and_scales(OptionTable<Options>& t) {
  t.value("iterations", &Options::iterations, "int", "optimizer iterations at the full size");
  t.value("scales", &Options::scales, "int", "coarse-to-fine: number of sizes, scale_factor apart, the full size last");
  t.value("scale_factor", &Options::scale_factor, "float", "size ratio between successive scales");
  t.value("coarse_iterations", &Options::coarse_iterations, "int", "iterations at each coarser scale (-1: iterations)");
}

OptionTable<StyleOptions> make_style_table() {
  using O = StyleOptions;
  OptionTable<O> t;
  t.value("content_weight", &O::content_weight, "float", "content loss weight");
  t.value("style_weight", &O::style_weight, "float", "style loss weight (None: per network and style_loss)");
  t.value("tv_weight", &O::tv_weight, "float", "total-variation weight");
  t.layers("content_layers", &O::content_layers, "content layers");
  t.layers("style_layers", &O::style_layers, "style layers");
  t.value("style_layer_weights", &O::style_layer_weights, "list[float]", "weight per style layer (empty: 1/N each)");
  t.value("style_blend", &O::style_blend, "list[float]", "weight per style image (empty: equal)");
  t.choice("style_loss", &O::style_loss, parse_style_loss, to_string, "gram | mean-cov | sliced-wasserstein");
  t.custom(
      "keep_style_border", "bool", "keep a uniform frame (scan border) of the style images (trimmed by default)",
      [](const O& o) { return py::cast(!o.trim_style_borders); },
      [](O& o, py::handle v) { o.trim_style_borders = !from_python<bool>(v, "keep_style_border", "bool"); });
  add_init(t, "start image: content | noise | style | an image or file", parse_init_keyword, to_string);
  t.value("seed", &O::seed, "int", "random seed of noise init (and sliced-Wasserstein directions)");
  add_length_and_scales(t);
  t.value("tile_size", &O::tile_size, "int", "run the network on tiles of this side, px (0: whole image)");
  t.choice("bounds", &O::bounds, parse_bounds_method, to_string,
           "how pixels stay in [0,1]: clamp | box (L-BFGS-B) | penalty | polish");
  add_optimizer_and_network(t);
  return t;
}

OptionTable<InvertOptions> make_invert_table() {
  using O = InvertOptions;
  OptionTable<O> t;
  t.layers("layers", &O::layers, "layer(s) whose features are matched");
  t.value("layer_weights", &O::layer_weights, "list[float]", "weight per layer (empty: 1/N each)");
  add_length_and_scales(t);
  t.value("seed", &O::seed, "int", "random seed of noise init and jitter");
  add_init(t, "start image: noise | blur | mean | an image or file", parse_invert_init, to_string);
  t.value("tv_weight", &O::tv_weight, "float", "weight of the TV^beta prior (mean over pixels)");
  t.value("tv_beta", &O::tv_beta, "float", "beta of the TV prior (2 smooth, 1 edge-preserving)");
  t.value("alpha_weight", &O::alpha_weight, "float", "weight of the alpha-norm prior mean(|x - 0.5|^alpha)");
  t.value("alpha", &O::alpha, "float", "alpha of the alpha-norm prior");
  t.value("jitter", &O::jitter, "int", "roll the image by up to this many px per evaluation (adam/sgd)");
  t.choice("on_stall", &O::on_stall, parse_stall_action, to_string, "when the loss stalls: blur | reset | stop | none");
  t.value("blur_sigma", &O::blur_sigma, "float", "Gaussian sigma (px) of blur-on-stall");
  t.value("stall_window", &O::stall_window, "int", "stall: iterations K over which progress is measured");
  t.value("stall_tol", &O::stall_tolerance, "float", "stall: relative loss decrease over K iterations below this");
  t.choice("bounds", &O::bounds, parse_bounds_method, to_string, "clamp | box (fourier is always clamped)");
  t.choice("parametrization", &O::parametrization, parse_parametrization, to_string,
           "auto | pixel | fourier (scaled Fourier coefficients of a colour-decorrelated image; "
           "auto: fourier for block 5, pixel for shallower layers)");
  t.value("fourier_decay", &O::fourier_decay, "float", "fourier: coefficients scaled by 1/f^decay");
  add_optimizer_and_network(t);
  return t;
}

OptionTable<ScoreOptions> make_score_table() {
  using O = ScoreOptions;
  OptionTable<O> t;
  t.value("judge_seed", &O::judge_seed, "int", "seed of the embedded judge network");
  t.choice("model", &O::arch, parse_arch, to_string, "vgg19 | vgg16 (shape of the embedded judge)");
  t.custom(
      "pooling", "str", "max | avg", [](const O& o) { return py::cast(to_string(o.pooling)); },
      [](O& o, py::handle v) { o.pooling = parse_pooling(from_python<std::string>(v, "pooling", "str")); });
  t.layers("style_layers", &O::style_layers, "the judge's style layers");
  t.layers("content_layers", &O::content_layers, "the judge's content layers");
  t.value("style_blend", &O::style_blend, "list[float]", "weight per style image (empty: equal)");
  t.value("sliced_seed", &O::sliced_seed, "int", "seed of the judge's sliced-Wasserstein directions");
  return t;
}

}  // namespace

const OptionTable<StyleOptions>& style_table() {
  static const OptionTable<StyleOptions> table = make_style_table();
  return table;
}
const OptionTable<InvertOptions>& invert_table() {
  static const OptionTable<InvertOptions> table = make_invert_table();
  return table;
}
const OptionTable<ScoreOptions>& score_table() {
  static const OptionTable<ScoreOptions> table = make_score_table();
  return table;
}

const std::vector<std::string>& plan_keywords() {
  static const std::vector<std::string> names{"pooling",           "content_layers", "style_layers",
                                              "optimizer",         "history",        "history_precision",
                                              "precision",         "iterations",     "tile_size"};
  return names;
}

StyleOptions style_options(const py::dict& values, bool trained) {
  StyleOptions o;  // assigned, as the CLI's style_defaults
  if (trained) o = trained_vgg_style_defaults();
  style_table().apply(o, values);
  const auto given = [&](const char* key) { return values.contains(key) && !values[key].is_none(); };
  if (!given("style_weight")) o.style_weight = default_style_weight(o.style_loss, trained);
  if (!given("learning_rate")) o.optimizer.learning_rate = default_learning_rate(o.optimizer.kind);
  return o;
}

InvertOptions invert_options(const py::dict& values) {
  InvertOptions o;
  invert_table().apply(o, values);
  if (!values.contains("learning_rate") || values["learning_rate"].is_none())
    o.optimizer.learning_rate = default_learning_rate(o.optimizer.kind);
  return o;
}

ScoreOptions score_options(const py::dict& values) {
  ScoreOptions o;
  score_table().apply(o, values);
  return o;
}

}  // namespace nst::python
