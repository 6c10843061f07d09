// `nst weights info FILE|NAME` and `nst weights convert IN OUT.safetensors`: inspect a weight
// file (format, architecture, layer shapes, input convention, SHA-256) and turn a .pth into
// nst's safetensors format with the convention recorded in its metadata.
// `nst weights fetch NAME` and `nst weights list`: download well-known files into the user
// cache (verified by SHA-256, resumable) and show what is there.
#include <ATen/ATen.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/error.h"
#include "nst/fetch.h"
#include "nst/weight_cache.h"
#include "nst/weights.h"
#include "options.h"

namespace nst::cli {
namespace {

struct WeightsArgs {
  std::string input, output, preprocess, cache_dir;
  FetchOptions fetch;
};

std::string shape_of(const at::Tensor& t) {
  std::string out;
  for (int64_t d : t.sizes()) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out.empty() ? "scalar" : out;
}

int run_info(const WeightsArgs& a) {
  // A cache name (`nst weights info vgg19`) means its cached file.
  const std::optional<CachedWeights> cached = resolve_cached_weights(a.input, a.cache_dir);
  const std::string path = cached ? cached->path : a.input;
  const WeightFile f = read_weight_file(path);
  if (cached) std::printf("name:        %s (cached; %s)\n", cached->name.c_str(), cached->hash_check.c_str());
  std::printf("file:        %s\n", path.c_str());
  std::printf("format:      %s\n", to_string(f.format).c_str());
  std::printf("sha256:      %s%s%s\n", f.sha256.c_str(), f.known_as.empty() ? "" : "  = ", f.known_as.c_str());
  std::printf("tensors:     %zu (float32)\n", f.tensors.size());
  std::printf("preprocess:  %s (%s)\n", to_string(f.preprocess).c_str(), f.preprocess_reason.c_str());
  VggWeights w;
  try {
    w = vgg_from_state_dict(f.tensors, f.preprocess);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kModel) throw;
    std::printf("architecture: not a VGG this program can use (%s)\n", e.what());
    for (const auto& [key, t] : f.tensors) std::printf("  %-28s %s\n", key.c_str(), shape_of(t).c_str());
    return kExitOk;
  }
  std::printf("architecture: %s, %zu conv layers\n", to_string(w.arch).c_str(), w.weights.size());
  const auto names = conv_layer_names(w.arch);
  for (size_t i = 0; i < w.weights.size(); ++i) {
    std::printf("  %-8s weight %-12s bias %s\n", names[i].c_str(), shape_of(w.weights[i]).c_str(),
                shape_of(w.biases[i]).c_str());
  }
  return kExitOk;
}

int run_convert(const WeightsArgs& a) {
  NST_CHECK(std::filesystem::path(a.output).extension() == ".safetensors", kUsage,
            "output " + a.output + " must end in .safetensors");
  check_output_path(a.output, {a.input});
  const WeightFile f = read_weight_file(a.input);
  const Preprocess convention = a.preprocess.empty() ? f.preprocess : parse_preprocess(a.preprocess);
  const VggWeights w = vgg_from_state_dict(f.tensors, convention);
  std::map<std::string, std::string> metadata{{"preprocess", to_string(convention)},
                                              {"arch", to_string(w.arch)},
                                              {"source", std::filesystem::path(a.input).filename().string()},
                                              {"source_sha256", f.sha256}};
  auto padding = f.metadata.find("padding");
  if (padding != f.metadata.end()) metadata["padding"] = padding->second;
  write_safetensors(a.output, state_dict_from_vgg(w), metadata);
  std::fprintf(stderr, "nst: wrote %s: %s, %zu conv layers, preprocess %s (%s)\n", a.output.c_str(),
               to_string(w.arch).c_str(), w.weights.size(), to_string(convention).c_str(),
               a.preprocess.empty() ? f.preprocess_reason.c_str() : "--preprocess");
  return kExitOk;
}

std::string mib(uint64_t bytes) {
  char buffer[32];
  if (bytes < 1024 * 1024) {
    std::snprintf(buffer, sizeof buffer, "%.1f KiB", bytes / 1024.0);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
  return buffer;
}

// Download progress: a redrawn bar on a terminal (as ProgressBar draws iterations), else a line
// per event and per 10 %, so logs of scripted fetches stay short.
class DownloadProgress {
 public:
  /// `header` is printed before the first report, i.e. once the options have been accepted.
  explicit DownloadProgress(std::string header, FILE* stream = stderr)
      : header_(std::move(header)), stream_(stream), tty_(isatty(fileno(stream)) != 0) {}

  bool update(const FetchProgress& p) {
    if (!header_.empty()) {
      std::fprintf(stream_, "%s\n", header_.c_str());
      header_.clear();
    }
    if (!p.event.empty()) {
      end_line();
      if (p.event != "start") std::fprintf(stream_, "nst: %s\n", p.event.c_str());
      next_percent_ = 10;
      return !interrupted();
    }
    const auto now = std::chrono::steady_clock::now();
    const double rate = p.seconds > 0 ? (p.received - p.resumed_from) / p.seconds : 0;
    if (tty_) {
      if (now - last_draw_ < std::chrono::milliseconds(100)) return !interrupted();
      last_draw_ = now;
      constexpr int kWidth = 24;
      const int filled = p.total > 0 ? static_cast<int>(kWidth * p.received / p.total) : 0;
      std::string bar(static_cast<size_t>(std::clamp(filled, 0, kWidth)), '#');
      bar.resize(kWidth, '.');
      const double eta = rate > 0 && p.total > p.received ? (p.total - p.received) / rate : 0;
      std::fprintf(stream_, "\r[%s] %s / %s  %.1f MiB/s  ETA %.0fs\033[K", bar.c_str(), mib(p.received).c_str(),
                   p.total ? mib(p.total).c_str() : "?", rate / (1024 * 1024), eta);
      std::fflush(stream_);
      drawn_ = true;
    } else if (p.total > 0 && p.received * 100 >= next_percent_ * p.total) {
      std::fprintf(stream_, "nst: %s / %s (%d%%)\n", mib(p.received).c_str(), mib(p.total).c_str(),
                   static_cast<int>(p.received * 100 / p.total));
      while (p.received * 100 >= next_percent_ * p.total) next_percent_ += 10;
    }
    return !interrupted();
  }

  void end_line() {
    if (drawn_) std::fprintf(stream_, "\n");
    drawn_ = false;
  }

 private:
  std::string header_;
  FILE* stream_;
  bool tty_;
  bool drawn_ = false;
  uint64_t next_percent_ = 10;
  std::chrono::steady_clock::time_point last_draw_{};
};

int run_fetch(WeightsArgs& a) {
  FetchOptions& o = a.fetch;
  o.cache_dir = a.cache_dir;
  NST_CHECK(a.input.empty() || o.name.empty() || a.input == o.name, kUsage,
            "two names given: " + a.input + " and --name " + o.name);
  if (o.name.empty()) o.name = a.input;
  NST_CHECK(!o.name.empty(), kUsage, "which weights? nst weights fetch NAME (known: " + known_download_names() + ")");
  const std::optional<KnownDownload> known = find_known_download(o.name);
  const std::string url = !o.url.empty() ? o.url : known ? download_url(*known) : "";
  install_interrupt_handler();
  DownloadProgress bar("nst: fetching " + o.name + " from " + url + " into " + weight_cache_dir(o.cache_dir));
  FetchResult r;
  try {
    r = fetch_weights(o, [&bar](const FetchProgress& p) { return bar.update(p); });
  } catch (const Error& e) {
    bar.end_line();
    if (e.kind() != ErrorKind::kInterrupted) throw;
    std::fprintf(stderr, "nst: %s\n", e.what());
    return kExitInterrupted;
  }
  bar.end_line();
  std::fprintf(stderr, "nst: %s %s: %s (%s)\n", r.already_cached ? "already cached" : "cached", r.entry.name.c_str(),
               r.entry.path.c_str(), mib(r.entry.size).c_str());
  std::fprintf(stderr, "nst: sha256 %s: %s\n", r.entry.sha256.c_str(), r.hash_note.c_str());
  std::fprintf(stderr, "nst: use it with --weights %s\n", r.entry.name.c_str());
  return kExitOk;
}

int run_list(const WeightsArgs& a) {
  const std::string dir = weight_cache_dir(a.cache_dir);
  const std::vector<CachedWeights> cached = list_cached_weights(dir);
  std::printf("cache: %s%s\n", dir.c_str(), std::filesystem::is_directory(dir) ? "" : " (not created yet)");
  if (cached.empty()) {
    std::printf("nothing cached\n");
  } else {
    std::printf("%-14s %-52s %10s  %-11s  %s\n", "NAME", "FILE", "SIZE", "PREPROCESS", "SHA-256 (checked at fetch)");
    for (const CachedWeights& e : cached) {
      const std::string file = std::filesystem::path(e.path).filename().string();
      std::printf("%-14s %-52s %10s  %-11s  %s\n", e.name.c_str(), file.c_str(), mib(e.size).c_str(),
                  e.preprocess.empty() ? "auto" : e.preprocess.c_str(),
                  e.sha256.empty() ? e.hash_check.c_str() : e.sha256.c_str());
    }
  }
  std::printf("available (nst weights fetch NAME):\n");
  for (const KnownDownload& d : known_downloads()) {
    const bool have =
        std::any_of(cached.begin(), cached.end(), [&](const CachedWeights& e) { return e.name == d.name; });
    std::printf("  %-14s %-11s %s%s\n", d.name.c_str(), d.preprocess.c_str(), download_url(d).c_str(),
                have ? "  [cached]" : "");
  }
  return kExitOk;
}

}  // namespace

void add_weights_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<WeightsArgs>();
  CLI::App* cmd = app.add_subcommand("weights", "Fetch, list, inspect or convert VGG weight files (.pth, .h5, .caffemodel, safetensors)");
  cmd->require_subcommand(1);
  auto add_cache_dir = [&](CLI::App* sub) {
    sub->add_option("--cache-dir", a->cache_dir, "Weight cache (default $NST_CACHE_DIR, $XDG_CACHE_HOME/nst, ~/.cache/nst)");
  };
  CLI::App* info = cmd->add_subcommand("info", "Print format, architecture, layer shapes, preprocessing, SHA-256");
  info->add_option("file", a->input, "Weight file (.pth zip or legacy, safetensors, Keras .h5, .caffemodel; detected from content), or a cached name (vgg19, ...)")
      ->required();
  add_cache_dir(info);
  info->callback([a, &action] { action = [a] { return run_info(*a); }; });
  CLI::App* convert = cmd->add_subcommand("convert", "Write the VGG conv layers as safetensors (nst's cache format)");
  convert->add_option("input", a->input, "Weight file (.pth zip or legacy, safetensors, Keras .h5, .caffemodel; detected from content)")->required();
  convert->add_option("output", a->output, "Output .safetensors file (written atomically)")->required();
  add_preprocess(convert, a->preprocess);
  convert->callback([a, &action] { action = [a] { return run_convert(*a); }; });

  CLI::App* fetch = cmd->add_subcommand("fetch", "Download weights into the cache (SHA-256 checked, resumable): " +
                                                     known_download_names() + ", or a custom --url");
  fetch->add_option("name", a->input, "Weights to fetch: " + known_download_names() + ", or a custom name");
  fetch->add_option("--name", a->fetch.name, "Name of a custom download (with --url and --sha256)");
  fetch->add_option("--url", a->fetch.url,
                    "Download from this URL (a mirror; http, https or file). $NST_WEIGHTS_BASE_URL replaces the host "
                    "of the built-in URLs");
  fetch->add_option("--sha256", a->fetch.sha256,
                    "Custom download: expected SHA-256 (64 hex digits, or a prefix of >= 8)");
  add_preprocess(fetch, a->fetch.preprocess);
  add_cache_dir(fetch);
  fetch->add_flag("--force", a->fetch.force, "Download again even when a verified copy is cached");
  fetch->callback([a, &action] { action = [a] { return run_fetch(*a); }; });
  CLI::App* list = cmd->add_subcommand("list",
                                       "Show cached weights (name, file, size, preprocessing, SHA-256) and the "
                                       "names nst can fetch");
  add_cache_dir(list);
  list->callback([a, &action] { action = [a] { return run_list(*a); }; });
}

}  // namespace nst::cli
