// The one table of option keys a batch row may set, named as nst style's long flags.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <sstream>

#include "nst/batch.h"
#include "nst/error.h"
#include "nst/image.h"

namespace nst {
namespace {

[[noreturn]] void bad(const std::string& what, const std::string& value) {
  fail(ErrorKind::kUsage, "must be " + what + ", got '" + value + "'");
}

double number(const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x)) bad("a finite number", v);
  return x;
}

long long integer(const std::string& v, long long lo, long long hi) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno == ERANGE || x < lo || x > hi) {
    bad("an integer in " + std::to_string(lo) + ".." + std::to_string(hi), v);
  }
  return x;
}

bool boolean(const std::string& v) {
  if (v == "1" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "no") return false;
  bad("true or false", v);
}

std::vector<std::string> names(const std::string& v) {
  std::vector<std::string> items;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) bad("a comma-separated list without empty items", v);
    items.push_back(item);
  }
  if (items.empty()) bad("a comma-separated list", v);
  return items;
}

std::vector<double> numbers(const std::string& v) {
  std::vector<double> values;
  for (const auto& item : names(v)) values.push_back(number(item));
  return values;
}

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

template <class T>
std::string join(const std::vector<T>& items) {
  std::string text;
  for (const auto& item : items) {
    if constexpr (std::is_arithmetic_v<T>) {
      text += (text.empty() ? "" : ",") + num(item);
    } else {
      text += (text.empty() ? "" : ",") + item;
    }
  }
  return text;
}

std::string init_name(InitKind kind) {
  switch (kind) {
    case InitKind::kNoise: return "noise";
    case InitKind::kContent: return "content";
    case InitKind::kStyle: return "style";
    case InitKind::kImage: return "FILE";
  }
  return "?";
}

using S = JobSettings;
const std::vector<JobOptionKey> kKeys = {
    {"size", "longest content side, px",
     [](const S& s) { return num(s.size); },
     [](S& s, const std::string& v) {
       s.size = static_cast<int>(integer(v, 16, kMaxImageSide));
     }},
    {"iterations", "optimizer iterations at the full size",
     [](const S& s) { return num(s.style.iterations); },
     [](S& s, const std::string& v) { s.style.iterations = static_cast<int>(integer(v, 0, 10'000'000)); }},
    {"seed", "random seed (noise init)",
     [](const S& s) { return std::to_string(s.style.seed); },
     [](S& s, const std::string& v) { s.style.seed = static_cast<uint64_t>(integer(v, 0, INT64_MAX)); }},
    {"content_weight", "content loss weight",
     [](const S& s) { return num(s.style.content_weight); },
     [](S& s, const std::string& v) { s.style.content_weight = number(v); }},
    {"style_weight", "style loss weight (each style_loss has its own default)",
     [](const S& s) { return num(s.style.style_weight); },
     [](S& s, const std::string& v) { s.style.style_weight = number(v); }},
    {"tv_weight", "total-variation weight",
     [](const S& s) { return num(s.style.tv_weight); },
     [](S& s, const std::string& v) { s.style.tv_weight = number(v); }},
    {"content_layers", "content layers, comma-separated",
     [](const S& s) { return join(s.style.content_layers); },
     [](S& s, const std::string& v) { s.style.content_layers = names(v); }},
    {"style_layers", "style layers, comma-separated",
     [](const S& s) { return join(s.style.style_layers); },
     [](S& s, const std::string& v) { s.style.style_layers = names(v); }},
    {"style_layer_weights", "weight per style layer",
     [](const S& s) {
       return s.style.style_layer_weights.empty() ? std::string("1/N each") : join(s.style.style_layer_weights);
     },
     [](S& s, const std::string& v) { s.style.style_layer_weights = numbers(v); }},
    {"style_blend", "weight per style image",
     [](const S& s) { return s.style.style_blend.empty() ? std::string("equal") : join(s.style.style_blend); },
     [](S& s, const std::string& v) { s.style.style_blend = numbers(v); }},
    {"style_loss", "gram | mean-cov | sliced-wasserstein",
     [](const S& s) { return to_string(s.style.style_loss); },
     [](S& s, const std::string& v) { s.style.style_loss = parse_style_loss(v); }},
    {"style_scale", "style image size relative to size",
     [](const S& s) { return num(s.style_scale); },
     [](S& s, const std::string& v) {
       s.style_scale = number(v);
       if (s.style_scale <= 0 || s.style_scale > 16) bad("in (0, 16]", v);
     }},
    {"init", "noise | content | style | FILE",
     [](const S& s) { return init_name(s.style.init); },
     [](S& s, const std::string& v) { s.style.init = parse_init(v, s.style); }},
    {"bounds", "clamp | box | penalty | polish",
     [](const S& s) { return to_string(s.style.bounds); },
     [](S& s, const std::string& v) { s.style.bounds = parse_bounds_method(v); }},
    {"scales", "coarse-to-fine sizes",
     [](const S& s) { return num(s.style.scales); },
     [](S& s, const std::string& v) { s.style.scales = static_cast<int>(integer(v, 1, 12)); }},
    {"scale_factor", "size ratio between scales",
     [](const S& s) { return num(s.style.scale_factor); },
     [](S& s, const std::string& v) { s.style.scale_factor = number(v); }},
    {"coarse_iterations", "iterations at each coarser scale (-1: iterations)",
     [](const S& s) { return num(s.style.coarse_iterations); },
     [](S& s, const std::string& v) { s.style.coarse_iterations = static_cast<int>(integer(v, -1, 10'000'000)); }},
    {"tile_size", "tiled evaluation, px (0: whole image)",
     [](const S& s) { return num(s.style.tile_size); },
     [](S& s, const std::string& v) { s.style.tile_size = static_cast<int>(integer(v, 0, 1 << 20)); }},
    {"optimizer", "lbfgs | adam | sgd",
     [](const S& s) { return to_string(s.style.optimizer.kind); },
     [](S& s, const std::string& v) { s.style.optimizer.kind = parse_optimizer_kind(v); }},
    {"learning_rate", "step size",
     [](const S&) { return std::string("the optimizer's"); },
     [](S& s, const std::string& v) {
       s.style.optimizer.learning_rate = number(v);
       if (s.style.optimizer.learning_rate <= 0) bad("> 0", v);
     }},
    {"history", "L-BFGS history size",
     [](const S& s) { return num(s.style.optimizer.history); },
     [](S& s, const std::string& v) { s.style.optimizer.history = static_cast<int>(integer(v, 1, 10000)); }},
    {"history_precision", "float32 | float16 | bfloat16",
     [](const S& s) { return to_string(s.style.optimizer.history_precision); },
     [](S& s, const std::string& v) { s.style.optimizer.history_precision = parse_history_precision(v); }},
    {"original_colors", "keep the content's colours (true/false)",
     [](const S& s) { return std::string(s.original_colors ? "true" : "false"); },
     [](S& s, const std::string& v) { s.original_colors = boolean(v); }},
    {"keep_style_border", "keep a style image's uniform frame (true/false)",
     [](const S& s) { return std::string(s.style.trim_style_borders ? "false" : "true"); },
     [](S& s, const std::string& v) { s.style.trim_style_borders = !boolean(v); }},
};

const JobOptionKey* find_key(const std::string& name) {
  for (const auto& k : kKeys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

}  // namespace

const std::vector<JobOptionKey>& job_option_keys() { return kKeys; }

JobSettings resolve_job_settings(const JobSettings& base, bool trained_weights,
                                 const std::map<std::string, std::string>& overrides, const BatchJob& job,
                                 const std::string& row_name) {
  std::map<std::string, std::string> merged;
  for (const auto* layer : {&overrides, &job.options}) {
    for (const auto& [given, value] : *layer) {
      std::string key = given;
      std::replace(key.begin(), key.end(), '-', '_');
      merged[key] = value;
    }
  }
  JobSettings s = base;
  for (const auto& [key, value] : merged) {
    const JobOptionKey* k = find_key(key);
    NST_CHECK(k, kUsage, row_name + ": unknown key '" + key + "' (see nst batch --help)");
    try {
      k->apply(s, value);
    } catch (const Error& e) {
      fail(e.kind(), row_name + ": " + key + " " + e.what());
    }
  }
  // As nst style: each style loss and optimizer has its own default weight and step.
  if (!merged.count("style_weight")) s.style.style_weight = default_style_weight(s.style.style_loss, trained_weights);
  if (!merged.count("learning_rate")) s.style.optimizer.learning_rate = default_learning_rate(s.style.optimizer.kind);
  NST_CHECK(s.size >= 16 && s.size <= kMaxImageSide, kUsage, row_name + ": size must be set (16.." +
                                                                  std::to_string(kMaxImageSide) + " px)");
  try {
    check_style_options(s.style, job.styles.size());
  } catch (const Error& e) {
    fail(e.kind(), row_name + ": " + e.what());
  }
  return s;
}

}  // namespace nst
