// The memory model walks the VGG layers the way the forward and backward passes allocate:
// every tensor the forward pass makes stays alive for the backward pass (convolutions keep
// their input, ReLUs their output, poolings their input and, for max pooling, int64 indices),
// then the backward pass adds gradient buffers and convolution scratch at the widest
// full-resolution layer. Two constants were measured on this build (libtorch 1.13 CPU, oneDNN,
// glibc malloc tuned by configure_runtime): see kRuntimeBytes and kBackwardFactor.
#include "nst/memory_plan.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "nst/error.h"
#include "objective/style_terms.h"
#include "objective/tiles.h"

namespace nst {
namespace {

constexpr uint64_t kFloat = 4;
/// Resident memory of the process before any image work: libtorch, oneDNN, OpenBLAS and libvips
/// loaded, threads started. First measured as 245 MB; lowered to 220 MB when repeated runs showed
/// that the same run's peak varies by ±5 % (256 px, 3 iterations: 459–513 MiB over 6 runs) and
/// the model sat at the top of that spread (2026-11-30: 96–640 px now within 0.93–1.10).
constexpr uint64_t kRuntimeBytes = 220ull << 20;
/// Backward-pass scratch as a multiple of (input + output) of the largest convolution: gradient
/// of the output, gradient of the (padded) input and oneDNN's reordered copies. Fitted to peak
/// RSS measured at 96..640 px (see README, "Memory"), checked on other configurations.
constexpr double kBackwardFactor = 4.4;

int block_width(int block) { return std::min(64 << (block - 1), 512); }

struct Walk {
  uint64_t saved = 0;          // bytes the forward graph keeps for the backward pass
  uint64_t widest_conv = 0;    // bytes of input + output of the largest convolution
  std::map<std::string, detail::LayerShape> shapes;  // of every tap, for the terms' kept_bytes
  uint64_t conv_params = 0;    // weights + biases up to the deepest layer
  uint64_t style_taps = 0;     // bytes of the style layers' features (float32)
};

Walk walk_network(const MemoryPlanInput& in, int height, int width) {
  std::set<std::string> taps(in.content_layers.begin(), in.content_layers.end());
  taps.insert(in.style_layers.begin(), in.style_layers.end());
  std::vector<std::string> all = layer_names(in.arch);
  check_layer_names(in.arch, std::vector<std::string>(taps.begin(), taps.end()));
  size_t deepest = 0;
  for (const auto& t : taps) deepest = std::max(deepest, size_t(std::find(all.begin(), all.end(), t) - all.begin()));

  // Network tensors take e bytes an element (2 in bfloat16/float16); features leave the network
  // as float32, so in reduced precision every tap also keeps a float32 copy.
  const bool reduced = in.precision != ComputePrecision::kFloat32;
  const uint64_t e = reduced ? 2 : kFloat;
  Walk w;
  uint64_t h = height, wd = width, channels = 3;
  w.saved = 2 * 3 * h * wd * kFloat + (reduced ? 3 * h * wd * e : 0);  // image, preprocessed (and cast) copy
  for (size_t i = 0; i <= deepest && !taps.empty(); ++i) {
    const std::string& name = all[i];
    const int block = name[name.find_first_of("0123456789")] - '0';
    if (name[0] == 'c') {
      const uint64_t out = block_width(block);
      const uint64_t input = in.padding == Padding::kReflect ? channels * (h + 2) * (wd + 2) : channels * h * wd;
      if (in.padding == Padding::kReflect) w.saved += input * e;  // the padded copy conv2d keeps
      w.saved += out * h * wd * e;
      w.widest_conv = std::max<uint64_t>(w.widest_conv, (input + out * h * wd) * e);
      w.conv_params += (channels * out * 9 + out) * kFloat;
      channels = out;
      if (taps.count(name)) w.saved += channels * h * wd * (e + (reduced ? kFloat : 0));  // out-of-place ReLU (+ float copy)
    } else if (name[0] == 'p') {
      h /= 2;
      wd /= 2;
      w.saved += channels * h * wd * (e + (in.pooling == Pooling::kMax ? 8 : 0));  // + int64 indices
      if (reduced && taps.count(name)) w.saved += channels * h * wd * kFloat;  // float copy
    } else if (reduced && taps.count(name)) {
      w.saved += channels * h * wd * kFloat;  // a ReLU tap's float copy (the ReLU itself ran in place)
    }
    if (taps.count(name)) {
      w.shapes[name] = {static_cast<int64_t>(channels), static_cast<int64_t>(h), static_cast<int64_t>(wd)};
      const bool style = std::find(in.style_layers.begin(), in.style_layers.end(), name) != in.style_layers.end();
      if (style) w.style_taps += channels * h * wd * kFloat;
    }
  }
  return w;
}

uint64_t optimizer_bytes(const MemoryPlanInput& in, uint64_t image_bytes) {
  switch (in.optimizer.kind) {
    case OptimizerKind::kLbfgs: {
      // (s, y) pairs, then x, g, d, the previous g and the line search's trial point and gradient.
      // Reduced-precision pairs take 2 bytes an element; storing one needs the new pair in float
      // first, and the two-loop recursion decodes one vector at a time: 2 more working vectors.
      const uint64_t pairs = static_cast<uint64_t>(std::max(0, std::min(in.optimizer.history, in.iterations)));
      const uint64_t element = static_cast<uint64_t>(history_element_bytes(in.optimizer.history_precision));
      const uint64_t working = element == kFloat ? 6 : 8;
      return 2 * pairs * image_bytes / kFloat * element + working * image_bytes;
    }
    case OptimizerKind::kAdam: return 5 * image_bytes;
    case OptimizerKind::kSgd: return 4 * image_bytes;
  }
  return 6 * image_bytes;
}

/// What the objective's terms keep (targets, the styles' statistics) at the run's full size:
/// each term answers for itself.
uint64_t terms_kept_bytes(const MemoryPlanInput& in, const std::map<std::string, detail::LayerShape>& shapes) {
  StyleOptions o;
  o.content_layers = in.content_layers;
  o.style_layers = in.style_layers;
  o.style_loss = in.style_loss;
  o.sliced_directions = in.sliced_directions;
  o.tile_size = in.tile_size;
  // A stand-in of the image's size that allocates nothing (the terms read only its shape).
  const at::Tensor like = at::zeros({1, 3, 1, 1}).expand({1, 3, in.height, in.width});
  uint64_t bytes = 0;
  for (const auto& term : detail::make_style_terms(o, in.styles.size(), like)) bytes += term->kept_bytes(shapes, in.styles.size());
  return bytes;
}

/// True when a tiled run's crops do not all have the same size.
bool crops_differ(const MemoryPlanInput& in) {
  std::vector<std::string> taps = in.content_layers;
  taps.insert(taps.end(), in.style_layers.begin(), in.style_layers.end());
  const auto tiles = detail::make_tiles(in.height, in.width, in.tile_size, detail::tile_geometry(in.arch, taps));
  for (const auto& t : tiles) {
    if (t.cy1 - t.cy0 != tiles[0].cy1 - tiles[0].cy0 || t.cx1 - t.cx0 != tiles[0].cx1 - tiles[0].cx0) return true;
  }
  return false;
}

}  // namespace

MemoryPlanInput memory_plan_input(const StyleOptions& options, VggArch arch, Padding padding) {
  MemoryPlanInput in;
  in.arch = arch;
  in.padding = padding;
  in.pooling = options.pooling;
  in.content_layers = options.content_layers;  // the network taps them whatever their weights
  in.style_layers = options.style_layers;
  in.optimizer = options.optimizer;
  in.iterations = options.iterations;
  in.tile_size = options.tile_size;
  in.precision = options.precision;
  in.style_loss = options.style_loss;
  in.sliced_directions = options.sliced_directions;
  return in;
}

MemoryPlan plan_style_memory(const MemoryPlanInput& in) {
  NST_CHECK(in.height >= 1 && in.width >= 1, kUsage, "the planned image size must be at least 1x1 px");
  NST_CHECK(in.tile_size >= 0, kUsage, "the tile size must be >= 0");
  // Tiled, the network only ever sees one crop (core + halo) at a time; targets stay whole.
  auto network_side = [&](int side) {
    if (in.tile_size == 0) return side;
    std::vector<std::string> taps = in.content_layers;
    taps.insert(taps.end(), in.style_layers.begin(), in.style_layers.end());
    const detail::TileGeometry g = detail::tile_geometry(in.arch, taps);
    const int64_t core = (in.tile_size + g.align - 1) / g.align * g.align;
    return static_cast<int>(std::min<int64_t>(side, core + 2 * g.halo));
  };
  Walk run = walk_network(in, network_side(in.height), network_side(in.width));
  // Targets stay whole-image sized when tiled.
  const auto full_shapes = in.tile_size > 0 ? walk_network(in, in.height, in.width).shapes : run.shapes;
  const uint64_t image_bytes = 3ull * in.height * in.width * kFloat;

  // Style targets come first, from forward passes without gradients over each style image:
  // about the two largest neighbouring activations, i.e. the widest convolution.
  uint64_t style_pass = 0, style_images = 0;
  for (const auto& [sh, sw] : in.styles) {
    style_pass = std::max(style_pass, walk_network(in, network_side(sh), network_side(sw)).widest_conv);
    style_images += 3ull * sh * sw * kFloat;
  }

  MemoryPlan plan;
  auto& p = plan.parts;
  p["runtime"] = kRuntimeBytes;
  // A weight file is read whole, then parsed into tensors; glibc keeps the freed buffer mapped.
  p["weights"] = in.weights_file_bytes > 0 ? 2 * in.weights_file_bytes : 80ull << 20;  // embedded: all 16 convs
  if (in.precision != ComputePrecision::kFloat32) p["weights"] += run.conv_params / 2;  // the 2-byte compute copy
  p["images"] = 2 * image_bytes + style_images;  // content, result
  p["targets"] = terms_kept_bytes(in, full_shapes);
  p["activations"] = run.saved;
  p["backward"] = static_cast<uint64_t>(kBackwardFactor * static_cast<double>(run.widest_conv));
  p["optimizer"] = optimizer_bytes(in, image_bytes) + (in.tile_size > 0 ? image_bytes : 0);  // + the summed gradient
  if (in.tile_size > 0 && crops_differ(in)) {
    // Crops of different sizes (edge crops lose part of their halo) leave the heap fragmented
    // between them; the excess measured grows with the cores' style taps: four core-sized copies
    // of them fit 2048² in 512 px tiles (3484 MiB measured) and 4096² in 1024 px tiles (10704).
    // Where every crop has the same size (one tile, or 2x2 tiles) no excess was measured.
    const int64_t core = std::min<int64_t>(in.tile_size, std::max(in.height, in.width));
    p["tiling"] = 4 * walk_network(in, static_cast<int>(std::min<int64_t>(core, in.height)),
                                   static_cast<int>(std::min<int64_t>(core, in.width))).style_taps;
  }
  const uint64_t before_run = p["runtime"] + p["weights"] + p["images"];
  const uint64_t during_targets = style_pass;
  const uint64_t during_run = p["targets"] + p["activations"] + p["backward"] + p["optimizer"] +
                              (p.count("tiling") ? p.at("tiling") : 0);
  plan.peak_bytes = before_run + std::max(during_targets, during_run);
  return plan;
}

int largest_fitting_side(const MemoryPlanInput& input, uint64_t budget_bytes, int max_side) {
  auto fits = [&](int side) {
    MemoryPlanInput in = input;
    const double scale = static_cast<double>(side) / std::max(input.height, input.width);
    auto scaled = [&](int n) { return std::max(1, static_cast<int>(n * scale + 0.5)); };
    in.height = scaled(input.height);
    in.width = scaled(input.width);
    for (auto& [h, w] : in.styles) {
      h = scaled(h);
      w = scaled(w);
    }
    return plan_style_memory(in).peak_bytes <= budget_bytes;
  };
  if (!fits(16)) return 0;
  int lo = 16, hi = max_side;  // fits(lo) holds; find the largest such side
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    uint64_t kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") {
      uint64_t pages = 0, resident = 0;
      std::ifstream("/proc/self/statm") >> pages >> resident;
      return kib * 1024 + resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    }
  }
  return 0;
}

uint64_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace nst
