// Sidecars (OUTPUT.json): what made an output, so that a rerun knows which rows are done.
#include <ATen/ATen.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/atomic_file.h"
#include "nst/batch.h"
#include "nst/error.h"
#include "weights/sha256.h"

#ifndef NST_VERSION_STRING
#define NST_VERSION_STRING "unknown"
#endif

namespace nst {
namespace {

namespace fs = std::filesystem;

/// Everything in the settings that changes the output image (not the device: a GPU rerun of a
/// CPU result is the same job).
nlohmann::json settings_json(const JobSettings& s) {
  const StyleOptions& o = s.style;
  const OptimizerOptions& p = o.optimizer;
  nlohmann::json j = {
      {"size", s.size},
      {"style_scale", s.style_scale},
      {"original_colors", s.original_colors},
      {"content_weight", o.content_weight},
      {"style_weight", o.style_weight},
      {"tv_weight", o.tv_weight},
      {"content_layers", o.content_layers},
      {"style_layers", o.style_layers},
      {"style_layer_weights", o.style_layer_weights},
      {"style_blend", o.style_blend},
      {"trim_style_borders", o.trim_style_borders},
      {"style_loss", to_string(o.style_loss)},
      {"sliced", {o.sliced_directions, o.sliced_redraw_every}},
      {"init", static_cast<int>(o.init)},
      {"seed", o.seed},
      {"iterations", o.iterations},
      {"scales", {o.scales, o.scale_factor, o.coarse_iterations}},
      {"tile_size", o.tile_size},
      {"bounds", {to_string(o.bounds), o.range_weight, o.polish_fraction}},
      {"pooling", to_string(o.pooling)},
      {"precision", to_string(o.precision)},
      {"optimizer",
       {static_cast<int>(p.kind), p.history, p.line_search, p.c1, p.c2, p.max_line_search,
        to_string(p.history_precision), p.learning_rate, p.beta1, p.beta2, p.epsilon, p.momentum}},
  };
  if (o.init == InitKind::kImage && o.init_image.defined()) {
    j["init_image"] = {o.init_image.sizes().vec(), o.init_image.to(at::kDouble).sum().item<double>()};
  }
  return j;
}

long long size_or_minus_one(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<long long>(size);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

std::string nst_version() { return NST_VERSION_STRING; }

std::string sidecar_path(const std::string& output) { return output + ".json"; }

std::string job_hash(const BatchJob& job, const JobSettings& settings, const std::string& network_source) {
  nlohmann::json sizes = nlohmann::json::array();
  sizes.push_back(size_or_minus_one(job.content));
  for (const auto& s : job.styles) sizes.push_back(size_or_minus_one(s));
  // The paths as the manifest wrote them: the same job from another folder or mount point.
  std::string paths = job.written;
  if (paths.empty()) {
    paths = job.content + "|";
    for (const auto& s : job.styles) paths += s + ";";
    paths += "|" + job.output;
  }
  const nlohmann::json all = {
      {"settings", settings_json(settings)}, {"paths", paths}, {"sizes", sizes}, {"network", network_source}};
  const std::string text = all.dump();
  return detail::sha256_hex(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::optional<Sidecar> read_sidecar(const std::string& path) {
  std::ifstream in(path);
  if (!in.good()) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  Sidecar s;
  try {
    s.status = j.at("status").get<std::string>();
    s.options_hash = j.at("options_hash").get<std::string>();
    s.nst_version = j.value("nst_version", "");
    s.loss = j.value("loss", 0.0);
    s.seconds = j.value("seconds", 0.0);
    s.iterations = j.value("iterations", 0);
    s.row = j.value("row", 0);
    s.error = j.value("error", "");
    s.finished_at = j.value("finished_at", "");
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return s;
}

void write_sidecar(const std::string& path, const Sidecar& s) {
  nlohmann::json j = {{"status", s.status},
                      {"options_hash", s.options_hash},
                      {"nst_version", s.nst_version.empty() ? nst_version() : s.nst_version},
                      {"loss", s.loss},
                      {"seconds", s.seconds},
                      {"iterations", s.iterations},
                      {"row", s.row},
                      {"finished_at", s.finished_at.empty() ? utc_now() : s.finished_at}};
  if (!s.error.empty()) j["error"] = s.error;
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path());
    out << j.dump(2) << "\n";
    NST_CHECK(out.good(), kIo, "cannot write sidecar " + path);
  }
  file.commit();
}

JobState job_state(const std::string& output, const std::string& hash) {
  const std::optional<Sidecar> s = read_sidecar(sidecar_path(output));
  if (!s || s->options_hash != hash) return JobState::kPending;
  std::error_code ec;
  if (s->status == "done" && fs::is_regular_file(output, ec)) return JobState::kDone;
  if (s->status == "failed") return JobState::kFailed;
  return JobState::kPending;
}

std::string to_string(JobState state) {
  switch (state) {
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    case JobState::kPending: return "pending";
  }
  return "?";
}

}  // namespace nst
