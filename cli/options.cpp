#include "options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "interrupt.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"
#include "nst/weight_cache.h"

namespace nst::cli {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string per_network(const std::string& embedded, const std::string& trained) {
  return embedded == trained ? embedded : embedded + " embedded, " + trained + " trained";
}

StyleOptions style_defaults(const std::string& weights) {
  StyleOptions o;  // (assigned, not a ?: of two temporaries: gcc 12 then warns falsely about its strings)
  if (weights != "embedded") o = trained_vgg_style_defaults();
  return o;
}

// ---- Image size

void check_image_side(int px, const std::string& option) {
  NST_CHECK(px >= 16 && px <= kMaxImageSide, kUsage,
            option + " must be between 16 and " + std::to_string(kMaxImageSide) + " px");
}

std::pair<int, int> parse_image_size(const std::string& text, const std::string& option) {
  int w = 0, h = 0, used = 0;
  const bool has_x = text.find('x') != std::string::npos;
  const int n = has_x ? std::sscanf(text.c_str(), "%dx%d%n", &w, &h, &used) : std::sscanf(text.c_str(), "%d%n", &w, &used);
  if (!has_x) h = w;
  const bool whole = n == (has_x ? 2 : 1) && used == static_cast<int>(text.size());
  NST_CHECK(whole && w >= 16 && h >= 16 && w <= kMaxImageSide && h <= kMaxImageSide, kUsage,
            option + " must be W or WxH in px (16.." + std::to_string(kMaxImageSide) + "), got '" + text + "'");
  return {h, w};
}

namespace {
const char* const kSizeNames = "--size,--image-size";
std::string size_help() {
  return "Longest side in px the images are resized to (16.." + std::to_string(kMaxImageSide) +
         "; plan: W or WxH; texture: the output's W or WxH; score: 0 = the first IMAGE's own longest side)";
}
}  // namespace

CLI::Option* add_size(CLI::App* cmd, int& size, int default_size) {
  size = default_size;
  return cmd->add_option(kSizeNames, size, size_help())->capture_default_str();
}

CLI::Option* add_size(CLI::App* cmd, std::string& size, const std::string& default_size) {
  size = default_size;
  return cmd->add_option(kSizeNames, size, size_help())->capture_default_str();
}

// ---- Single shared flags

CLI::Option* add_content_image(CLI::App* cmd, std::string& path) {
  return cmd->add_option("-c,--content,--content-image", path, "Content image (PNG/JPEG/TIFF/WebP)");
}

namespace {
const char* const kStyleNames = "-s,--style,--style-image";
const char* const kStyleHelp = "Style image (PNG/JPEG/TIFF/WebP); repeat for several (compare: one)";
}  // namespace

CLI::Option* add_style_images(CLI::App* cmd, std::vector<std::string>& paths) {
  return cmd->add_option(kStyleNames, paths, kStyleHelp);
}

CLI::Option* add_style_images(CLI::App* cmd, std::string& path) { return cmd->add_option(kStyleNames, path, kStyleHelp); }

CLI::Option* add_target_image(CLI::App* cmd, std::string& path) {
  return cmd->add_option("-i,--image", path, "Image to reconstruct (PNG/JPEG/TIFF/WebP)");
}

CLI::Option* add_layers(CLI::App* cmd, std::string& layers, const InvertOptions& defaults) {
  layers = join(defaults.layers);
  return cmd->add_option("-l,--layer,--layers", layers, "Layer(s) to match, comma-separated (e.g. relu4_1,conv5_1)")
      ->capture_default_str();
}

CLI::Option* add_style_blend(CLI::App* cmd, std::string& weights) {
  return cmd->add_option("--style-blend,--style-blend-weights", weights, "Weight per style image (default equal)");
}

CLI::Option* add_style_scale(CLI::App* cmd, double& scale) {
  scale = 1.0;
  return cmd->add_option("--style-scale", scale, "Style image size relative to --size")->capture_default_str();
}

std::vector<at::Tensor> read_style_images(const std::vector<std::string>& paths, int size, double scale) {
  NST_CHECK(scale > 0 && scale <= 16, kUsage, "--style-scale must be in (0, 16]");
  const int style_size = std::max(16, static_cast<int>(std::lround(size * scale)));
  std::vector<at::Tensor> styles;
  for (const auto& path : paths) styles.push_back(read_image(path, style_size));
  return styles;
}

CLI::Option* add_content_layers(CLI::App* cmd, std::string& layers, const std::string& default_text) {
  return cmd->add_option("--content-layers", layers, "Content layers, comma-separated (score: the judge's)")
      ->default_str(default_text);
}

CLI::Option* add_style_layers(CLI::App* cmd, std::string& layers, const std::string& default_text) {
  return cmd->add_option("--style-layers", layers, "Style layers, comma-separated (score: the judge's)")
      ->default_str(default_text);
}

CLI::Option* add_tv_weight(CLI::App* cmd, double& weight, const std::string& default_text) {
  return cmd->add_option("--tv-weight", weight, "Total-variation weight (invert: of the TV^beta prior, mean over pixels)")
      ->default_str(default_text);
}

CLI::Option* add_init(CLI::App* cmd, std::string& init, const std::string& default_init) {
  init = default_init;
  return cmd
      ->add_option("--init", init,
                   "Start image: noise | FILE; style also content | style (auto: content for the embedded network, "
                   "noise for trained weights); invert also blur (the target blurred with sigma = size/8, which leaks "
                   "its colours and layout into the result) | mean (flat ImageNet-mean grey)")
      ->capture_default_str();
}

CLI::Option* add_bounds(CLI::App* cmd, std::string& bounds, BoundsMethod default_bounds) {
  bounds = to_string(default_bounds);
  return cmd
      ->add_option("--bounds", bounds,
                   "How pixels stay in [0,1]: clamp (after the run) | box (inside the optimizer: L-BFGS-B) | "
                   "penalty | polish (style only); invert's fourier parametrization is always clamped")
      ->capture_default_str();
}

void add_scale_flags(CLI::App* cmd, ScaleFlags& flags, const RunOptions& defaults) {
  flags.scales = defaults.scales;
  flags.scale_factor = defaults.scale_factor;
  flags.coarse_iterations = defaults.coarse_iterations;
  cmd->add_option("--scales", flags.scales,
                  "Coarse-to-fine: number of sizes, each --scale-factor apart, the full size last; each starts "
                  "from the previous result upsampled")
      ->capture_default_str();
  cmd->add_option("--start-size", flags.start_size, "Coarse-to-fine from this longest side (sets --scales)");
  cmd->add_option("--scale-factor", flags.scale_factor, "Size ratio between successive scales")->capture_default_str();
  cmd->add_option("--coarse-iterations", flags.coarse_iterations,
                  "Iterations at each coarser scale (default: --iterations)");
}

void ScaleFlags::apply(RunOptions& o, int size) const {
  o.scales = scales;
  o.scale_factor = scale_factor;
  o.coarse_iterations = coarse_iterations;
  if (start_size > 0) {
    // --start-size: as many steps of at most --scale-factor as it takes, then equal steps.
    NST_CHECK(start_size >= 16 && start_size < size, kUsage, "--start-size must be at least 16 and below --size");
    NST_CHECK(std::isfinite(scale_factor) && scale_factor > 1.0, kUsage, "--scale-factor must be in (1, 4]");
    const double ratio = static_cast<double>(size) / start_size;
    o.scales = 1 + static_cast<int>(std::ceil(std::log(ratio) / std::log(scale_factor) - 1e-9));
    o.scale_factor = std::pow(ratio, 1.0 / (o.scales - 1));
  }
  check_run_options(o);
}

CLI::Option* add_iterations(CLI::App* cmd, int& iterations, int default_iterations) {
  iterations = default_iterations;
  return cmd
      ->add_option("--iterations,--num-iterations", iterations,
                   "Optimizer iterations (see --scales; compare: per set-up; plan: L-BFGS keeps at most this many "
                   "pairs)")
      ->capture_default_str();
}

CLI::Option* add_seed(CLI::App* cmd, uint64_t& seed, uint64_t default_seed) {
  seed = default_seed;
  return cmd
      ->add_option("--seed", seed, "Random seed of noise init (invert: also --jitter; compare: the same for every set-up)")
      ->capture_default_str();
}

CLI::Option* add_json(CLI::App* cmd, bool& json) {
  return cmd->add_flag("--json", json,
                       "Print JSON (plan: the prediction, with peak_bytes, parts, largest_fitting_side; score: one "
                       "object per image with raw distances, baselines, per-layer values; batch --status: the counts and "
                       "one object per row)");
}

CLI::Option* add_threads(CLI::App* cmd, int& threads) {
  threads = 0;
  return cmd->add_option("--threads", threads, "CPU threads (0: all, or OMP_NUM_THREADS)")->capture_default_str();
}

CLI::Option* add_device(CLI::App* cmd, std::string& device, const std::string& default_device) {
  device = default_device;
  return cmd->add_option("--device", device, "cpu | cuda | cuda:N")->capture_default_str();
}

void check_device(const std::string& device) {
  if (device != "cpu") NST_CHECK(cuda_available(), kUsage, "--device " + device + ": no CUDA device available");
}

CLI::Option* add_weights(CLI::App* cmd, std::string& weights) {
  weights = "embedded";
  return cmd
      ->add_option("--weights", weights,
                   "embedded | NAME (fetched, see nst weights list) | FILE (.pth, .h5, .caffemodel, safetensors; "
                   "detected from content). score: the judge's (embedded: seeded, see --judge-seed); plan: only a "
                   "FILE's size is read")
      ->capture_default_str();
}

CLI::Option* add_model(CLI::App* cmd, std::string& model, VggArch default_arch) {
  model = to_string(default_arch);
  return cmd->add_option("--model", model, "vgg19 | vgg16 (shape of the embedded network)")->capture_default_str();
}

CLI::Option* add_pooling(CLI::App* cmd, std::string& pooling, const std::string& default_pooling) {
  pooling = default_pooling;
  return cmd
      ->add_option("--pooling", pooling,
                   "max | avg; auto (style, plan): avg for the embedded network, max for trained weights")
      ->capture_default_str();
}

CLI::Option* add_preprocess(CLI::App* cmd, std::string& preprocess) {
  return cmd->add_option("--preprocess", preprocess,
                         "Input convention of the weights: caffe | torchvision (default: recorded in the file or "
                         "decided from it; weights fetch: of a custom --url download)");
}

CLI::Option* add_precision(CLI::App* cmd, std::string& precision, ComputePrecision default_precision) {
  precision = to_string(default_precision);
  return cmd
      ->add_option("--precision", precision,
                   "Network arithmetic: float32 | bfloat16 (half the activation memory; fast on CPUs with "
                   "AVX512-BF16 and on GPUs) | float16 (GPU only). Losses and optimizer stay float32")
      ->capture_default_str();
}

CLI::Option* add_no_network_cache(CLI::App* cmd, bool& no_network_cache) {
  return cmd->add_flag("--no-network-cache", no_network_cache,
                       "Generate the embedded network (~0.6 s) instead of reading it from the cache folder, "
                       "where it is otherwise written once per model, seed and thread count (vgg19: 80 MB; "
                       "$NST_CACHE_DIR, else $XDG_CACHE_HOME/nst, else ~/.cache/nst)");
}

std::string network_cache_dir(bool no_network_cache) {
  if (no_network_cache) return "";
  try {
    return weight_cache_dir();
  } catch (const Error&) {
    return "";  // no folder known: generating is only slower
  }
}

// ---- Network group

VggWeights NetworkFlags::load() const {
  EmbeddedNetOptions embedded;
  embedded.arch = parse_arch(model);
  if (this->embedded()) embedded.cache_dir = network_cache_dir(no_network_cache);
  VggWeights w = load_weights(weights, embedded, preprocess);
  if (padding != "auto" && parse_padding(padding) != w.padding) {
    w.padding = parse_padding(padding);
    w.source += ", " + padding + " padding";  // reports and nst batch's options hash tell them apart
  }
  return w;
}

void add_network_flags(CLI::App* cmd, NetworkFlags& f, const std::string& default_pooling,
                       const std::string& default_device, ComputePrecision default_precision,
                       VggArch default_arch) {
  add_model(cmd, f.model, default_arch);
  add_weights(cmd, f.weights);
  add_preprocess(cmd, f.preprocess);
  add_pooling(cmd, f.pooling, default_pooling);
  f.padding = "auto";
  cmd->add_option("--padding", f.padding,
                  "How the convolutions see past the image edge: zeros | reflect | circular (no edge: "
                  "no strokes along the border; opposite edges meet) | auto (the weights': " +
                      to_string(EmbeddedNetOptions{}.padding) + " embedded, zeros trained)")
      ->capture_default_str();
  add_threads(cmd, f.threads);
  add_device(cmd, f.device, default_device);
  add_precision(cmd, f.precision, default_precision);
  cmd->add_flag("--no-tf32", f.no_tf32, "CUDA: keep float32 passes off the TF32 tensor cores (on by default)");
  add_no_network_cache(cmd, f.no_network_cache);
}

namespace {
template <class Options>
void apply_network(const NetworkFlags& f, Options& o) {
  o.device = f.device;
  o.precision = parse_compute_precision(f.precision);
  o.allow_tf32 = !f.no_tf32;
  check_precision_supported(o.precision, f.device);  // before any work
  if (f.pooling != "auto") o.pooling = parse_pooling(f.pooling);
  check_device(f.device);
}
}  // namespace

void apply_network_flags(const NetworkFlags& f, StyleOptions& o) { apply_network(f, o); }
void apply_network_flags(const NetworkFlags& f, InvertOptions& o) { apply_network(f, o); }

// ---- Optimizer group

void add_optimizer_flags(CLI::App* cmd, OptimizerFlags& f, const OptimizerOptions& d, OptimizerGroup which) {
  f.optimizer = to_string(d.kind);
  f.history = d.history;
  f.history_precision = to_string(d.history_precision);
  f.history_device = d.history_device;
  f.line_search = d.line_search ? "strong-wolfe" : "none";
  cmd->add_option("--optimizer", f.optimizer, "lbfgs | adam | sgd")->capture_default_str();
  cmd->add_option("--history,--lbfgs-num-correction", f.history, "L-BFGS history size (1..10000)")
      ->capture_default_str();
  cmd->add_option("--history-precision", f.history_precision,
                  "L-BFGS history storage: float32 | float16 | bfloat16 (half the memory)")
      ->capture_default_str();
  if (which == kOptimizerMemory) return;
  cmd->add_option("--history-device", f.history_device,
                  "Keep the L-BFGS history on this device (cpu: a GPU run's history in host memory; default: "
                  "with the image)");
  cmd->add_option("--line-search", f.line_search, "L-BFGS line search: strong-wolfe | none (fixed step)")
      ->capture_default_str();
  const std::string lr = "Step size (default: " + format_number(default_learning_rate(OptimizerKind::kLbfgs)) + " lbfgs, " +
                         format_number(default_learning_rate(OptimizerKind::kAdam)) + " adam, " +
                         format_number(default_learning_rate(OptimizerKind::kSgd)) + " sgd)";
  f.learning_rate_opt = cmd->add_option("--learning-rate", f.learning_rate, lr);
}

OptimizerOptions to_options(const OptimizerFlags& f, OptimizerOptions o) {
  o.kind = parse_optimizer_kind(f.optimizer);
  NST_CHECK(f.history >= 1 && f.history <= 10000, kUsage, "--history must be between 1 and 10000");
  o.history = f.history;
  o.history_precision = parse_history_precision(f.history_precision);
  NST_CHECK(f.history_device.empty() || f.history_device == "cpu" || f.history_device.rfind("cuda", 0) == 0, kUsage,
            "--history-device must be cpu or cuda[:N], got '" + f.history_device + "'");
  o.history_device = f.history_device;
  NST_CHECK(f.line_search == "strong-wolfe" || f.line_search == "none", kUsage,
            "--line-search must be strong-wolfe or none");
  o.line_search = f.line_search == "strong-wolfe";
  if (f.learning_rate_opt && f.learning_rate_opt->count()) {
    NST_CHECK(f.learning_rate > 0 && std::isfinite(f.learning_rate), kUsage, "--learning-rate must be > 0");
    o.learning_rate = f.learning_rate;
  } else {
    o.learning_rate = default_learning_rate(o.kind);
  }
  return o;
}

// ---- Run group

namespace {
/// The run group around --size, which add_size_flag adds (as a number or as W or WxH).
void add_run_flags_with(CLI::App* cmd, RunFlags& f, const std::function<void()>& add_size_flag,
                        int default_iterations, uint64_t default_seed) {
  f.output = kDefaultOutput;
  f.print_every = kDefaultPrintEvery;
  f.save_every = 0;
  cmd->add_option("-o,--output,--output-image", f.output, "Output image; format from extension (video: a video file or a folder of frames)")->capture_default_str();
  add_size_flag();
  add_iterations(cmd, f.iterations, default_iterations);
  add_seed(cmd, f.seed, default_seed);
  cmd->add_option("--save-every,--save-iter", f.save_every, "Save OUTPUT_N.ext every N iterations (0: off)")
      ->capture_default_str();
  cmd->add_option("--print-every,--print-iter", f.print_every, "Log every N iterations when not on a terminal")
      ->capture_default_str();
  cmd->add_option("--trace", f.trace,
                  "Write one JSON line per iteration to this file (invert adds events: blur, reset, stall; the first line's "
                  "\"startup\" has the start-up milestones in CLOCK_MONOTONIC seconds, bench/bench_startup)");
}
}  // namespace

void add_run_flags(CLI::App* cmd, RunFlags& f, int default_size, int default_iterations, uint64_t default_seed) {
  add_run_flags_with(cmd, f, [&] { add_size(cmd, f.size, default_size); }, default_iterations, default_seed);
}

void add_run_flags(CLI::App* cmd, RunFlags& f, std::string& size, const std::string& default_size,
                   int default_iterations, uint64_t default_seed) {
  add_run_flags_with(cmd, f, [&] { add_size(cmd, size, default_size); }, default_iterations, default_seed);
}

void check_run_flags(const RunFlags& f) {
  check_image_side(f.size);
  NST_CHECK(f.save_every >= 0 && f.print_every >= 0, kUsage, "--save-every/--print-every must be >= 0");
}

// ---- Style weights group

void add_style_weight_flags(CLI::App* cmd, StyleWeightFlags& f, StyleWeightGroup which) {
  const StyleOptions e;  // embedded defaults
  const StyleOptions t = trained_vgg_style_defaults();
  auto describe = [](double embedded, double trained) {
    return per_network(format_number(embedded), format_number(trained));
  };
  if (which == kWithContentWeight) {
    f.content_weight_opt = cmd->add_option("--content-weight", f.content_weight, "Content loss weight")
                               ->default_str(describe(e.content_weight, t.content_weight));
  }
  f.style_weight_opt = cmd->add_option("--style-weight", f.style_weight, "Style loss weight")
                           ->default_str(describe(e.style_weight, t.style_weight));
  f.tv_weight_opt = add_tv_weight(cmd, f.tv_weight, describe(e.tv_weight, t.tv_weight));
}

void StyleWeightFlags::apply(StyleOptions& o) const {
  if (content_weight_opt && content_weight_opt->count()) o.content_weight = content_weight;
  if (style_weight_opt->count()) o.style_weight = style_weight;
  if (tv_weight_opt->count()) o.tv_weight = tv_weight;
}

// ---- Memory group

void add_memory_flags(CLI::App* cmd, MemoryFlags& f, const StyleOptions& d) {
  f.tile_size = d.tile_size;
  f.memory_limit_gib = 0;
  cmd->add_option("--tile-size", f.tile_size,
                  "Run the network on overlapping tiles of this side (px; 0: whole image). Same result, "
                  "less memory, about 1.5-2x the time")
      ->capture_default_str();
  cmd->add_option("--memory-limit", f.memory_limit_gib,
                  "Memory budget in GiB (0: the memory available now); style refuses runs predicted to need more "
                  "(see nst plan)")
      ->capture_default_str();
}

void check_memory_flags(const MemoryFlags& f) {
  NST_CHECK(f.tile_size >= 0, kUsage, "--tile-size must be >= 0 px");
  NST_CHECK(f.memory_limit_gib >= 0 && std::isfinite(f.memory_limit_gib), kUsage, "--memory-limit must be >= 0 GiB");
}

// ---- Progress

RunProgress::RunProgress(const RunFlags* run) : run_(run) {
  if (run_) {
    bar_ = std::make_unique<ProgressBar>(run_->print_every);
    if (!run_->trace.empty()) trace_ = std::make_unique<TraceWriter>(run_->trace);
  }
  install_interrupt_handler();
}

ProgressCallback RunProgress::callback(std::function<at::Tensor(const at::Tensor&)> finish_image,
                                       std::function<void(const IterationReport&)> record) {
  return [this, finish_image, record](const IterationReport& r, const at::Tensor& image) {
    if (record) record(r);
    if (bar_) bar_->update(r);
    if (trace_) trace_->write(r);
    if (run_ && run_->save_every > 0 && r.iteration % run_->save_every == 0 && r.iteration < r.total_iterations) {
      write_image(finish_image ? finish_image(image) : image, numbered_path(run_->output, r.iteration));
    }
    return !interrupted();
  };
}

void RunProgress::finish() {
  if (bar_) bar_->finish();
}

int report_run_end(const RunResult& result, const std::string& tail) {
  std::fprintf(stderr, "nst: %s after %d iterations, %.1fs: loss %.6e (%s)%s%s%s\n", to_string(result.stop).c_str(),
               result.last.iteration, result.last.seconds, result.last.loss, summarize_parts(result.last).c_str(),
               result.message.empty() ? "" : ": ", result.message.c_str(), tail.c_str());
  return result.stop == StopReason::kAborted && interrupted() ? kExitInterrupted : kExitOk;
}

}  // namespace nst::cli
