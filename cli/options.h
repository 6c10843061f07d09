#pragma once
// The flags that two or more verbs take, each declared once, in the manner of llama.cpp's one
// flag table (common/arg.h): its names, help text and default live here, the default read from
// the library's option structs (or a constant below when no library struct holds it) and printed
// by --help. A verb registers the flags and groups it takes and keeps only its own flags; the
// groups also validate once and produce the library structs. tests/cli/flags.sh checks that a
// flag reads the same in every verb.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common.h"
#include "nst/invert.h"
#include "nst/network.h"
#include "nst/optim.h"
#include "nst/progress.h"
#include "nst/score.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "progress_bar.h"

namespace nst::cli {

// ---- Defaults that no library struct holds: the CLI's own, written once.
inline constexpr const char* kDefaultOutput = "out.png";
inline constexpr int kDefaultPrintEvery = 50;
/// --size of nst style, and of nst plan, which predicts a style run.
inline constexpr int kStyleSize = 512;

/// {"a","b"} -> "a,b".
std::string join(const std::vector<std::string>& items);
/// 0.001 -> "0.001": numbers as --help prints them.
std::string format_number(double value);
/// "A embedded, B trained" (or "A" when both agree): a style default that depends on the network.
std::string per_network(const std::string& embedded, const std::string& trained);

/// The style defaults for these --weights: StyleOptions' own for the embedded network,
/// trained_vgg_style_defaults() for trained weights. Used by style, plan and compare.
StyleOptions style_defaults(const std::string& weights);

// ---- Image size: one check for every verb that takes --size (style, invert, compare, plan, score).
/// Throws nst::Error(kUsage) unless 16 <= px <= kMaxImageSide.
void check_image_side(int px, const std::string& option = "--size");
/// "W" (square) or "WxH" -> (height, width), each side checked as above (plan).
std::pair<int, int> parse_image_size(const std::string& text, const std::string& option);
CLI::Option* add_size(CLI::App* cmd, int& size, int default_size);
/// plan, texture: W or WxH ("512" or "512x384").
CLI::Option* add_size(CLI::App* cmd, std::string& size, const std::string& default_size);

// ---- Single shared flags (each taken by two or more verbs, with the same meaning).
CLI::Option* add_content_image(CLI::App* cmd, std::string& path);
CLI::Option* add_style_images(CLI::App* cmd, std::vector<std::string>& paths);
CLI::Option* add_style_images(CLI::App* cmd, std::string& path);  // compare: one
CLI::Option* add_target_image(CLI::App* cmd, std::string& path);  // -i, the image to reconstruct
CLI::Option* add_layers(CLI::App* cmd, std::string& layers, const InvertOptions& defaults);
CLI::Option* add_style_blend(CLI::App* cmd, std::string& weights);
/// --style-scale (style, video, texture): style images read at this fraction of --size.
CLI::Option* add_style_scale(CLI::App* cmd, double& scale);
/// The style images at longest side max(16, size·scale); checks --style-scale first.
std::vector<at::Tensor> read_style_images(const std::vector<std::string>& paths, int size, double scale);
/// default_text: what --help prints as the default (style and plan: per network; score: the judge's).
CLI::Option* add_content_layers(CLI::App* cmd, std::string& layers, const std::string& default_text);
CLI::Option* add_style_layers(CLI::App* cmd, std::string& layers, const std::string& default_text);
CLI::Option* add_tv_weight(CLI::App* cmd, double& weight, const std::string& default_text);
CLI::Option* add_init(CLI::App* cmd, std::string& init, const std::string& default_init);
CLI::Option* add_bounds(CLI::App* cmd, std::string& bounds, BoundsMethod default_bounds);
CLI::Option* add_iterations(CLI::App* cmd, int& iterations, int default_iterations);
CLI::Option* add_seed(CLI::App* cmd, uint64_t& seed, uint64_t default_seed);
CLI::Option* add_json(CLI::App* cmd, bool& json);
CLI::Option* add_threads(CLI::App* cmd, int& threads);
CLI::Option* add_device(CLI::App* cmd, std::string& device, const std::string& default_device);
/// Throws nst::Error(kUsage) when `device` is a CUDA device and none is available.
void check_device(const std::string& device);
/// Help of --weights (weights: embedded | NAME | FILE).
CLI::Option* add_weights(CLI::App* cmd, std::string& weights);
CLI::Option* add_model(CLI::App* cmd, std::string& model, VggArch default_arch);
CLI::Option* add_pooling(CLI::App* cmd, std::string& pooling, const std::string& default_pooling);
CLI::Option* add_preprocess(CLI::App* cmd, std::string& preprocess);  // also nst weights convert/fetch
CLI::Option* add_precision(CLI::App* cmd, std::string& precision, ComputePrecision default_precision);
/// --no-network-cache (network group, score, compare): the embedded network generated anew, not read from
/// or written to the cache folder.
CLI::Option* add_no_network_cache(CLI::App* cmd, bool& no_network_cache);
/// Where the embedded network is cached: weight_cache_dir(), or "" (no cache) when the flag is
/// given or no folder is known (no $NST_CACHE_DIR, $XDG_CACHE_HOME or $HOME).
std::string network_cache_dir(bool no_network_cache);

// ---- The network: --model --weights --preprocess --pooling --device --precision --no-tf32 --threads
// --no-network-cache.
struct NetworkFlags {
  std::string model, weights, preprocess, pooling, padding, device, precision;
  int threads = 0;
  bool no_tf32 = false, no_network_cache = false;

  bool embedded() const { return weights == "embedded"; }
  /// Loads --weights (embedded, a name or a file) as a --model network with --preprocess.
  VggWeights load() const;
};
/// Registers the whole group; the defaults come from the verb's options struct (pooling: "auto"
/// for style, whose default depends on the weights).
void add_network_flags(CLI::App* cmd, NetworkFlags& flags, const std::string& default_pooling,
                       const std::string& default_device, ComputePrecision default_precision,
                       VggArch default_arch = EmbeddedNetOptions{}.arch);
/// Validates and copies --device --precision --no-tf32 --pooling (unless "auto") into the options,
/// checking before any work that the device exists and computes in that precision.
void apply_network_flags(const NetworkFlags& flags, StyleOptions& options);
void apply_network_flags(const NetworkFlags& flags, InvertOptions& options);

// ---- The optimizer: --optimizer --history --history-precision --history-device --line-search
// --learning-rate. plan takes the first three (what its memory model reads).
struct OptimizerFlags {
  std::string optimizer, history_precision, history_device, line_search;
  int history = 0;
  double learning_rate = 0;
  CLI::Option* learning_rate_opt = nullptr;
};
enum OptimizerGroup { kOptimizerMemory, kOptimizerAll };
void add_optimizer_flags(CLI::App* cmd, OptimizerFlags& flags, const OptimizerOptions& defaults,
                         OptimizerGroup which = kOptimizerAll);
/// Validates the flags and writes them over `base` (the verb's defaults). Without --learning-rate
/// the step size is default_learning_rate(kind), the same in every verb.
OptimizerOptions to_options(const OptimizerFlags& flags, OptimizerOptions base);

// ---- A run's size, length and outputs: --size --iterations --seed --output --save-every
// --print-every --trace (style, invert; compare and plan take --size --iterations [--seed]).
struct RunFlags {
  int size = 0, iterations = 0, save_every = 0, print_every = 0;
  uint64_t seed = 0;
  std::string output, trace;
};
void add_run_flags(CLI::App* cmd, RunFlags& flags, int default_size, int default_iterations, uint64_t default_seed);
/// texture: the same group with --size as W or WxH (parse_image_size; set flags.size to the
/// longest side before check_run_flags).
void add_run_flags(CLI::App* cmd, RunFlags& flags, std::string& size, const std::string& default_size,
                   int default_iterations, uint64_t default_seed);
/// --size within 16..kMaxImageSide, --save-every/--print-every >= 0.
void check_run_flags(const RunFlags& flags);

// ---- Coarse-to-fine: --scales --start-size --scale-factor --coarse-iterations (style, invert), one
// meaning everywhere (RunOptions).
struct ScaleFlags {
  int scales = 0, start_size = 0, coarse_iterations = 0;
  double scale_factor = 0;
  /// Writes the flags into `o` for a run whose longest side is `size` (--start-size sets
  /// --scales and the factor) and checks them.
  void apply(RunOptions& o, int size) const;
};
void add_scale_flags(CLI::App* cmd, ScaleFlags& flags, const RunOptions& defaults);

// ---- Loss weights of a style run: --content-weight --style-weight --tv-weight (style, video;
// texture: no --content-weight). Their defaults depend on the network (style_defaults), so a flag
// not given keeps the options'.
struct StyleWeightFlags {
  double content_weight = 0, style_weight = 0, tv_weight = 0;
  CLI::Option *content_weight_opt = nullptr, *style_weight_opt = nullptr, *tv_weight_opt = nullptr;
  /// Writes the weights that were given over `o`.
  void apply(StyleOptions& o) const;
};
enum StyleWeightGroup { kWithContentWeight, kNoContentWeight };
void add_style_weight_flags(CLI::App* cmd, StyleWeightFlags& flags, StyleWeightGroup which = kWithContentWeight);

// ---- Memory: --memory-limit --tile-size (style, plan).
struct MemoryFlags {
  double memory_limit_gib = 0;
  int tile_size = 0;
  /// Bytes: --memory-limit, or the memory available now when it is 0.
  uint64_t budget() const { return memory_budget(memory_limit_gib); }
};
void add_memory_flags(CLI::App* cmd, MemoryFlags& flags, const StyleOptions& defaults);
/// --tile-size >= 0, --memory-limit >= 0.
void check_memory_flags(const MemoryFlags& flags);

/// Prints a run's last line, "nst: <stop> after N iterations, T s: loss L (parts)[: message]" and
/// `tail`, and returns the exit code: kExitInterrupted when Ctrl-C stopped it, else kExitOk.
int report_run_end(const RunResult& result, const std::string& tail = "");

// ---- The progress callback of a run, written once (style, invert, compare): the progress bar,
// --trace lines, --save-every images and Ctrl-C (the first stops the run after the current
// iteration; the image is then saved).
class RunProgress {
 public:
  /// run: --print-every, --trace, --save-every and --output; nullptr: none of them (no bar either).
  explicit RunProgress(const RunFlags* run);
  /// finish_image: applied to an image before it is saved (style: --original-colors);
  /// record: sees every report (compare: its loss table).
  ProgressCallback callback(std::function<at::Tensor(const at::Tensor&)> finish_image = {},
                            std::function<void(const IterationReport&)> record = {});
  /// Ends the bar's line.
  void finish();

 private:
  const RunFlags* run_;
  std::unique_ptr<ProgressBar> bar_;
  std::unique_ptr<TraceWriter> trace_;
};

}  // namespace nst::cli
