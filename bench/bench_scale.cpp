// bench_scale: the size sweep. Seconds of one full style-objective evaluation (forward with the
// pipeline's taps, content + Gram style + TV, gradient w.r.t. the image), untiled and tiled, at
// square sizes 256, 512, 1024, ... up to --max-size where the memory model says they fit; each
// (size, mode) runs in a fresh child process (this program re-executed) so that its peak RSS is
// its own. See bench/README.md.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "objective/style_objective.h"  // nst::detail::StyleObjective: the pipeline's objective, whole or tiled
#include "nst/memory_plan.h"
#include "nst/network.h"
#include "nst/plot.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"

#include "bench_cli.h"
#include "bench_common.h"

extern char** environ;

namespace {

using namespace nst::bench;  // machine facts, medians, number formatting

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr double kMiB = 1024.0 * 1024.0;
/// REFERENCE.md section 2: forward + input gradient to relu5_1 at 512 px in 1.23 s on 2 threads
/// (OpenBLAS, mallopt) is "about 310 GFLOP/s" — the rate this machine's floor is measured in.
constexpr double kFloorGflops = 310.0;

struct Args {
  int min_size = 256;
  int max_size = 2048;
  int max_untiled = 0;     // 0: as max_size (the memory model still decides)
  int tile = 512;
  bool untiled = true;
  bool tiled = true;
  int reps = 3;
  int warmup = 1;
  int threads = 0;
  double time_budget = 120;  // s of timed evaluations per (size, mode); fewer reps beyond it
  double tolerance = 1e-3;   // relative, tiled vs untiled loss
  std::string json_path = "bench_scale.json";
  std::string markdown_path;  // empty: stdout only
  std::string plot_path;      // empty: no plot; else FILE.png (time) and FILE_memory.png
  std::string reuse_path;     // a previous JSON whose measured rows are reported again, not re-run
  // child mode (internal): one size, one mode, result to child_json
  int child_size = 0;
  std::string child_mode;
  std::string child_json;
};

constexpr const char* kProgram = "bench_scale";

Args parse_args(int argc, char** argv) {
  CLI::App app{"The size sweep: time and memory of one style-objective evaluation vs pixels, untiled and tiled",
               kProgram};
  Args a;
  keep_last_values(app);
  const auto sizes = CLI::Range(32, 1 << 16);
  app.add_option("--max-size", a.max_size, "Largest square size in px")->check(sizes)->capture_default_str();
  app.add_option("--min-size", a.min_size, "Smallest square size in px (then doubled)")
      ->check(sizes)
      ->capture_default_str();
  app.add_option("--max-untiled", a.max_untiled, "Largest untiled size (0: as --max-size)")
      ->check(at_least(0))
      ->capture_default_str();
  app.add_option("--tile", a.tile, "Tile size in px")->check(at_least(1))->capture_default_str();
  app.add_flag_callback("--no-tiled", [&a] { a.tiled = false; }, "Skip the tiled runs");
  app.add_flag_callback("--no-untiled", [&a] { a.untiled = false; }, "Skip the untiled runs");
  app.add_option("--reps", a.reps, "Timed evaluations per (size, mode)")->check(at_least(1))->capture_default_str();
  app.add_option("--warmup", a.warmup, "Untimed evaluations first")->check(at_least(0))->capture_default_str();
  add_threads(app, a.threads);
  app.add_option("--time-budget", a.time_budget, "Seconds of timed evaluations per (size, mode); fewer reps beyond")
      ->check(at_least(0, true))
      ->capture_default_str();
  app.add_option("--tolerance", a.tolerance, "Relative tiled vs untiled loss difference allowed")
      ->capture_default_str();
  add_json(app, a.json_path);
  add_markdown(app, a.markdown_path);
  app.add_option("--plot", a.plot_path, "FILE.png: time plot, and FILE_memory.png");
  app.add_option("--reuse", a.reuse_path, "A previous JSON whose measured rows are reported again, not re-run");
  // Internal: the sweep re-executes this program once per (size, mode). Hidden from --help.
  app.add_option("--child", a.child_size, "")->group("");
  app.add_option("--mode", a.child_mode, "")->check(CLI::IsMember({"untiled", "tiled"}))->group("");
  app.add_option("--child-json", a.child_json, "")->group("");
  parse_or_exit(app, argc, argv);
  if (a.max_size < a.min_size) usage_error(kProgram, "need --min-size <= --max-size");
  if (!a.tiled && !a.untiled) usage_error(kProgram, "--no-tiled and --no-untiled leave nothing to run");
  if (a.child_size > 0 && a.child_mode.empty()) usage_error(kProgram, "--child needs --mode untiled|tiled");
  return a;
}

// ---- system facts -------------------------------------------------------------------------

/// The 1-minute load average: how busy the shared machine was.
double load_average() {
  double one = -1;
  std::ifstream("/proc/loadavg") >> one;
  return one;
}

std::string sci(double v, int precision = 1) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(precision) << v;
  return s.str();
}

// ---- the network and the memory model -----------------------------------------------------

/// The pipeline's defaults: content relu3_1, style relu1_1..relu5_1, average pooling.
nst::StyleOptions bench_options(int tile) {
  nst::StyleOptions options;
  options.tile_size = tile;
  return options;
}

std::vector<std::string> tapped_layers(const nst::StyleOptions& options) {
  std::vector<std::string> layers = options.content_layers;
  for (const auto& l : options.style_layers) {
    if (std::find(layers.begin(), layers.end(), l) == layers.end()) layers.push_back(l);
  }
  return layers;
}

nst::MemoryPlan plan_at(const nst::StyleOptions& options, const nst::VggWeights& weights, int size, int tile) {
  nst::StyleOptions o = options;
  o.tile_size = tile;  // a tile-aware model plans the tiled evaluation from it
  nst::MemoryPlanInput in = nst::memory_plan_input(o, weights.arch, weights.padding);
  in.height = in.width = size;
  in.styles = {{size, size}};
  return nst::plan_style_memory(in);
}

/// Bytes of one 1x3xSxS float image.
uint64_t image_bytes(int size) { return 3ull * size * size * 4; }

/// What the memory model predicts for the bench's child: the `nst style` plan at this size less
/// its optimizer state (one evaluation, no L-BFGS history), plus the gradient buffer the bench holds.
uint64_t predicted_eval(const nst::MemoryPlan& p, int size) {
  return p.peak_bytes - p.parts.at("optimizer") + image_bytes(size);
}

/// True when the model plans tiled runs (StyleOptions::tile_size reaches it): the plan of a size
/// that needs several tiles differs from the untiled one.
bool model_knows_tiles(const nst::StyleOptions& options, const nst::VggWeights& weights, int tile, int crop) {
  const int size = 4 * std::max(tile, crop);
  return plan_at(options, weights, size, tile).peak_bytes != plan_at(options, weights, size, 0).peak_bytes;
}

/// A model without a tiled mode: combine its parts, one crop's network passes (the plan at the
/// largest crop side, without its images, targets and optimizer) plus the whole-image images,
/// targets and gradient.
uint64_t predicted_tiled_from_parts(const nst::StyleOptions& options, const nst::VggWeights& weights, int size,
                                    int crop) {
  const nst::MemoryPlan c = plan_at(options, weights, crop, 0);
  const nst::MemoryPlan f = plan_at(options, weights, size, 0);
  return c.peak_bytes - c.parts.at("images") - c.parts.at("targets") - c.parts.at("optimizer") +
         f.parts.at("images") + f.parts.at("targets") + image_bytes(size);
}

/// Side of the largest tile crop (core + halo, clipped to the image).
int largest_crop(const nst::detail::TileGeometry& g, int size, int tile) {
  int64_t side = 0;
  for (const auto& t : nst::detail::make_tiles(size, size, tile, g)) {
    side = std::max({side, t.cy1 - t.cy0, t.cx1 - t.cx0});
  }
  return static_cast<int>(side);
}

// ---- child: one size, one mode ------------------------------------------------------------

int run_child(const Args& args) {
  const int size = args.child_size;
  const bool tiled = args.child_mode == "tiled";
  const int threads = nst::configure_runtime(args.threads);
  at::manual_seed(0);  // the same images in every child: tiled and untiled losses compare
  const nst::StyleOptions options = bench_options(tiled ? args.tile : 0);
  const nst::FeatureNet net(nst::make_embedded_vgg(), options.pooling, tapped_layers(options));
  const at::Tensor content = at::rand({1, 3, size, size});
  const at::Tensor style = at::rand({1, 3, size, size});
  const at::Tensor x = at::rand({1, 3, size, size});  // neither: every loss term is non-zero
  if (net.weights().padding != nst::Padding::kReflect || net.weights().arch != nst::EmbeddedNetOptions{}.arch) {
    std::cerr << "bench_scale: the embedded net's shape changed; update run_sweep's memory-model input\n";
    return 1;
  }
  const double macs = net.forward_macs(size, size);
  const double useful_flops = 4 * macs;  // 2 FLOP/MAC x (forward + input gradient)

  // Tiled work: pass 1 runs every crop forward (Gram sums), pass 2 forward + backward again.
  double work_flops = useful_flops;
  size_t tiles = 1;
  if (tiled) {
    const auto g = nst::detail::tile_geometry(net.weights().arch, net.requested_layers());
    const auto all = nst::detail::make_tiles(size, size, args.tile, g);
    tiles = all.size();
    work_flops = 0;
    for (const auto& t : all) work_flops += 6 * net.forward_macs(t.cy1 - t.cy0, t.cx1 - t.cx0);
  }

  const auto t_setup = Clock::now();
  std::function<double(at::Tensor&)> evaluate;
  // Tiled when options.tile_size > 0 (set above for the tiled rows).
  nst::detail::StyleObjective objective(net, content, std::vector<at::Tensor>{style}, options);
  evaluate = [&](at::Tensor& grad) { return objective(x, grad); };
  const double setup_s = std::chrono::duration<double>(Clock::now() - t_setup).count();
  const double rss_after_setup = status_mib("VmRSS:");
  const double load_before = load_average();

  at::Tensor grad;
  double loss = 0;
  auto timed = [&] {
    const auto t0 = Clock::now();
    loss = evaluate(grad);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  std::vector<double> warmups, seconds;
  for (int i = 0; i < args.warmup; ++i) warmups.push_back(timed());
  // Fewer repetitions where one evaluation is long: as many as fit in the time budget, at least 1.
  int reps = args.reps;
  if (!warmups.empty()) reps = std::clamp(static_cast<int>(args.time_budget / warmups.back()), 1, args.reps);
  for (int i = 0; i < reps; ++i) {
    seconds.push_back(timed());
    if (i == 0 && warmups.empty()) reps = std::clamp(static_cast<int>(args.time_budget / seconds[0]), 1, args.reps);
  }
  const double median = median_of(seconds);
  std::cerr << "  " << size << " px " << std::left << std::setw(7) << args.child_mode << " median " << std::fixed
            << std::setprecision(3) << median << " s over " << seconds.size() << " rep(s), loss " << std::setprecision(6)
            << loss << ", peak RSS " << std::setprecision(0) << status_mib("VmHWM:") << " MiB\n";

  const json out = {{"size", size},
                    {"mode", args.child_mode},
                    {"tile", tiled ? args.tile : 0},
                    {"tiles", tiles},
                    {"threads", threads},
                    {"forward_gmac", macs / 1e9},
                    {"useful_flops", useful_flops},
                    {"work_flops", work_flops},
                    {"setup_s", setup_s},
                    {"warmup_s", warmups},
                    {"seconds", seconds},
                    {"median_s", median},
                    {"min_s", *std::min_element(seconds.begin(), seconds.end())},
                    {"max_s", *std::max_element(seconds.begin(), seconds.end())},
                    {"loss", loss},
                    {"grad_norm", grad.norm().item<double>()},
                    {"rss_after_setup_mib", rss_after_setup},
                    {"peak_rss_mib", status_mib("VmHWM:")},
                    {"load_average_before", load_before},
                    {"load_average_after", load_average()},
                    {"blas_libraries", blas_libraries()},
                    {"parallel_info", at::get_parallel_info()}};
  std::ofstream f(args.child_json);
  f << out.dump(2) << "\n";
  return f ? 0 : 1;
}

// ---- parent: the sweep --------------------------------------------------------------------

/// Runs this program again with one size and mode; returns its JSON, or {"error": ...}.
json spawn_child(const Args& args, int size, const std::string& mode) {
  const std::string out = (std::filesystem::temp_directory_path() /
                           ("bench_scale." + std::to_string(getpid()) + "." + std::to_string(size) + "." + mode + ".json"))
                              .string();
  std::vector<std::string> argv_s = {"/proc/self/exe", "--child", std::to_string(size), "--mode", mode,
                                     "--child-json", out, "--tile", std::to_string(args.tile),
                                     "--reps", std::to_string(args.reps), "--warmup", std::to_string(args.warmup),
                                     "--threads", std::to_string(args.threads),
                                     "--time-budget", std::to_string(args.time_budget)};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) {
    return {{"error", "posix_spawn failed"}};
  }
  int status = 0;
  waitpid(pid, &status, 0);
  json result;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    std::ifstream f(out);
    try {
      f >> result;
    } catch (const std::exception& e) {
      result = {{"error", std::string("unreadable child JSON: ") + e.what()}};
    }
  } else {
    result = {{"error", WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                            : "exit status " + std::to_string(WEXITSTATUS(status))}};
  }
  std::filesystem::remove(out);
  return result;
}

std::string memory_plot_path(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "_memory" + p.extension().string())).string();
}

int run_sweep(const Args& args) {
  const nst::StyleOptions options = bench_options(0);  // plan_at sets the tile per mode
  // The embedded net's shape, without building it here: this process stays small, the children
  // build the net (and check that shape).
  nst::VggWeights weights;
  weights.arch = nst::EmbeddedNetOptions{}.arch;
  weights.padding = nst::Padding::kReflect;
  const auto geometry = nst::detail::tile_geometry(weights.arch, tapped_layers(options));
  const int max_untiled = args.max_untiled > 0 ? args.max_untiled : args.max_size;
  const bool tiled_model =
      model_knows_tiles(options, weights, args.tile, largest_crop(geometry, 4 * args.tile, args.tile));
  std::vector<int> sizes;
  for (int s = args.min_size; s <= args.max_size; s *= 2) sizes.push_back(s);
  // --reuse: measured rows of an earlier sweep (same settings) are reported again, not re-run.
  std::map<std::pair<int, std::string>, json> reused;
  json reused_sweep;  // load and wall time of the sweep that measured them
  if (!args.reuse_path.empty()) {
    std::ifstream f(args.reuse_path);
    if (!f) usage_error(kProgram, "cannot read --reuse " + args.reuse_path);
    const json old = json::parse(f);
    reused_sweep = old.contains("measured_sweep") && !old.at("measured_sweep").is_null() ? old.at("measured_sweep")
                                                  : json{{"load_average_start", old.at("system").at("load_average_start")},
                                                         {"load_average_end", old.at("system").at("load_average_end")},
                                                         {"wall_s", old.at("wall_s")}};
    for (json row : old.at("results")) {
      if (!row.value("ran", false)) continue;
      row["blas_libraries"] = old.at("system").at("blas_libraries");
      row["parallel_info"] = old.at("system").at("parallel_info");
      reused[{row.at("size").get<int>(), row.at("mode").get<std::string>()}] = row;
    }
  }
  const double load_start = load_average();
  const auto t_start = Clock::now();

  struct Row {
    int size;
    std::string mode;
    double predicted_mib;
    double available_mib;
    std::string skipped;  // why it did not run; empty when it ran
    json child;
    std::map<std::string, uint64_t> model_parts;  // the plan's parts (bytes), optimizer included
  };
  std::vector<Row> rows;
  for (int size : sizes) {
    for (const std::string mode : {"untiled", "tiled"}) {
      if ((mode == "tiled" && !args.tiled) || (mode == "untiled" && !args.untiled)) continue;
      Row r{size, mode, 0, 0, "", json(), {}};
      const int tile = mode == "tiled" ? args.tile : 0;
      const nst::MemoryPlan plan = plan_at(options, weights, size, tile);
      const uint64_t predicted =
          tile == 0 || tiled_model ? predicted_eval(plan, size)
                                   : predicted_tiled_from_parts(options, weights, size, largest_crop(geometry, size, tile));
      r.model_parts = plan.parts;
      const uint64_t available = nst::available_memory_bytes();
      r.predicted_mib = predicted / kMiB;
      r.available_mib = available / kMiB;
      if (mode == "untiled" && size > max_untiled) {
        r.skipped = "above --max-untiled " + std::to_string(max_untiled);
      } else if (available > 0 && predicted > available) {
        r.skipped = "memory model: " + fmt(predicted / kMiB, 0) + " MiB > " + fmt(available / kMiB, 0) + " MiB available";
      }
      if (r.skipped.empty() && reused.count({size, mode})) {
        std::cerr << "size " << size << " px " << mode << ": reused from " << args.reuse_path << "\n";
        r.child = reused[{size, mode}];
        r.child["reused_from"] = args.reuse_path;
      } else if (r.skipped.empty()) {
        std::cerr << "size " << size << " px " << mode << " (model " << fmt(r.predicted_mib, 0) << " MiB of "
                  << fmt(r.available_mib, 0) << " MiB available)\n";
        r.child = spawn_child(args, size, mode);
        if (r.child.contains("error")) {
          r.skipped = "child failed: " + r.child["error"].get<std::string>();
          std::cerr << "  " << r.skipped << "\n";
        }
      } else {
        std::cerr << "size " << size << " px " << mode << ": skipped (" << r.skipped << ")\n";
      }
      rows.push_back(r);
    }
  }
  const double wall_s = std::chrono::duration<double>(Clock::now() - t_start).count();

  // ---- derived figures ---------------------------------------------------------------------
  auto ran = [](const Row& r) { return r.skipped.empty(); };
  std::map<std::string, double> smallest_ns_per_px;  // per mode
  std::map<int, const Row*> untiled_at;
  for (const auto& r : rows) {
    if (!ran(r)) continue;
    const double ns = r.child["median_s"].get<double>() / (double(r.size) * r.size) * 1e9;
    if (!smallest_ns_per_px.count(r.mode)) smallest_ns_per_px[r.mode] = ns;
    if (r.mode == "untiled") untiled_at[r.size] = &r;
  }
  bool all_agree = true;
  json agreement = json::array();
  for (const auto& r : rows) {
    if (!ran(r) || r.mode != "tiled" || !untiled_at.count(r.size)) continue;
    const json& u = untiled_at[r.size]->child;
    const double lu = u["loss"].get<double>(), lt = r.child["loss"].get<double>();
    const double gu = u["grad_norm"].get<double>(), gt = r.child["grad_norm"].get<double>();
    const double rel = std::abs(lt - lu) / std::max(std::abs(lu), 1e-30);
    const double grel = std::abs(gt - gu) / std::max(std::abs(gu), 1e-30);
    const bool ok = rel <= args.tolerance;
    all_agree = all_agree && ok;
    agreement.push_back({{"size", r.size},
                         {"loss_untiled", lu},
                         {"loss_tiled", lt},
                         {"loss_rel_diff", rel},
                         {"grad_norm_rel_diff", grel},
                         {"agree", ok}});
  }

  // ---- report ------------------------------------------------------------------------------
  std::string blas = "?", parallel = "?";
  int threads = args.threads;
  for (const auto& r : rows) {
    if (!ran(r)) continue;
    blas = r.child["blas_libraries"].get<std::string>();
    parallel = r.child["parallel_info"].get<std::string>();
    threads = r.child["threads"].get<int>();
    break;
  }
  std::ostringstream md;
  md << "# bench_scale\n\n"
     << "- CPU: " << cpu_model() << " (" << std::thread::hardware_concurrency() << " hardware threads)\n"
     << "- libtorch threads: " << threads << "; libtorch " << torch_version() << "\n"
     << "- BLAS/oneDNN/OpenMP libraries loaded: " << blas << "\n"
     << "- network: embedded VGG19, " << (options.pooling == nst::Pooling::kAvg ? "avg" : "max")
     << " pooling, content " << options.content_layers.front() << ", style relu1_1..relu5_1; one evaluation = "
     << "`StyleObjective` untiled or tiled (tile " << args.tile << " px, halo " << geometry.halo
     << " px) forward + loss + gradient w.r.t. the image, random 1×3×S×S images\n"
     << "- repetitions: median of up to " << args.reps << " after " << args.warmup
     << " warm-up, fewer where they would exceed " << fmt(args.time_budget, 0)
     << " s (column reps); each size and mode in a fresh process"
     << (reused.empty() ? "" : "; measured rows reused from " + args.reuse_path + " (report regenerated)") << "\n"
     << "- GFLOP/s: useful conv work 4 × forward MACs (2 FLOP/MAC × forward + input gradient, as bench_style) "
     << "over the median, for both modes; × floor: median over 4 × MACs / " << fmt(kFloorGflops, 0)
     << " GFLOP/s (REFERENCE.md §2), 1.00 = REFERENCE's rate; work ×: conv work actually done "
     << "(tiled: 6 × MACs of every crop, pass 1 forward + pass 2 forward and backward) over the useful work\n"
     << "- model MiB: `plan_style_memory` (StyleOptions::tile_size 0 or the tile) at this size less its optimizer "
     << "part (L-BFGS history), plus the gradient"
     << (tiled_model ? "" : "; this model has no tiled mode, so tiled rows combine its parts: the largest crop's "
                            "network passes plus whole-image images, targets and gradient")
     << "\n"
     << "- load average (1 min): " << fmt(load_start, 2) << " at start, " << fmt(load_average(), 2)
     << " at end; sweep wall time " << fmt(wall_s, 0) << " s"
     << (reused_sweep.is_null()
             ? std::string()
             : "; the sweep that measured the reused rows: load " +
                   fmt(reused_sweep["load_average_start"].get<double>(), 2) + " at start, " +
                   fmt(reused_sweep["load_average_end"].get<double>(), 2) + " at end, wall time " +
                   fmt(reused_sweep["wall_s"].get<double>(), 0) + " s")
     << "\n\n";
  md << "| px | Mpx | mode | tiles | reps | median s | min s | max s | GFLOP/s | × floor | work × | ns/px | "
        "ns/px ÷ smallest | tiled ÷ untiled | peak RSS MiB | model MiB | RSS ÷ model |\n"
     << "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  json rows_json = json::array();
  for (const auto& r : rows) {
    const double mpx = double(r.size) * r.size / 1e6;
    json row = {{"size", r.size},
                {"mode", r.mode},
                {"pixels", double(r.size) * r.size},
                {"model_mib", r.predicted_mib},
                {"model_parts_bytes", r.model_parts},
                {"available_mib", r.available_mib},
                {"ran", ran(r)}};
    if (!ran(r)) {
      row["skipped"] = r.skipped;
      md << "| " << r.size << " | " << fmt(mpx, 3) << " | " << r.mode << " | | | skipped: " << r.skipped
         << " | | | | | | | | | | " << fmt(r.predicted_mib, 0) << " | |\n";
      rows_json.push_back(row);
      continue;
    }
    const json& c = r.child;
    const double median = c["median_s"].get<double>();
    const double useful = c["useful_flops"].get<double>();
    const double gflops = useful / median / 1e9;
    const double floor_s = useful / (kFloorGflops * 1e9);
    const double ns_px = median / (double(r.size) * r.size) * 1e9;
    const double vs_untiled =
        r.mode == "tiled" && untiled_at.count(r.size) ? median / untiled_at[r.size]->child["median_s"].get<double>() : 0;
    const double peak = c["peak_rss_mib"].get<double>();
    json fresh = row;  // this sweep's model and availability win over a reused row's
    row = c;
    row.update(fresh);
    row.update({{"gflops", gflops},
                {"floor_s", floor_s},
                {"times_floor", median / floor_s},
                {"work_ratio", c["work_flops"].get<double>() / useful},
                {"ns_per_pixel", ns_px},
                {"ns_per_pixel_ratio_to_smallest", ns_px / smallest_ns_per_px[r.mode]},
                {"tiled_over_untiled", vs_untiled},
                {"peak_rss_over_model", peak / r.predicted_mib}});
    row.erase("blas_libraries");
    row.erase("parallel_info");
    md << "| " << r.size << " | " << fmt(mpx, 3) << " | " << r.mode << " | " << c["tiles"].get<int>() << " | "
       << c["seconds"].size() << " | " << fmt(median, 3) << " | " << fmt(c["min_s"].get<double>(), 3) << " | "
       << fmt(c["max_s"].get<double>(), 3) << " | " << fmt(gflops, 0) << " | " << fmt(median / floor_s, 2) << " | "
       << fmt(c["work_flops"].get<double>() / useful, 2) << " | " << fmt(ns_px, 0) << " | "
       << fmt(ns_px / smallest_ns_per_px[r.mode], 2) << " | " << fmt(vs_untiled, 2) << " | " << fmt(peak, 0) << " | "
       << fmt(r.predicted_mib, 0) << " | " << fmt(peak / r.predicted_mib, 2) << " |\n";
    rows_json.push_back(row);
  }
  md << "\n";
  for (const auto& a : agreement) {
    md << "- " << a["size"].get<int>() << " px: loss untiled " << sci(a["loss_untiled"].get<double>(), 6)
       << ", tiled " << sci(a["loss_tiled"].get<double>(), 6) << ", relative difference "
       << sci(a["loss_rel_diff"].get<double>()) << " (gradient norm " << sci(a["grad_norm_rel_diff"].get<double>())
       << ")" << (a["agree"].get<bool>() ? "" : " — ABOVE TOLERANCE " + sci(args.tolerance)) << "\n";
  }
  std::cout << md.str() << std::flush;

  const json report = {{"system",
                        {{"cpu", cpu_model()},
                         {"hardware_threads", std::thread::hardware_concurrency()},
                         {"threads", threads},
                         {"torch_version", torch_version()},
                         {"blas_libraries", blas},
                         {"parallel_info", parallel},
                         {"load_average_start", load_start},
                         {"load_average_end", load_average()}}},
                       {"config",
                        {{"sizes", sizes},
                         {"max_untiled", max_untiled},
                         {"tile", args.tile},
                         {"tile_halo", geometry.halo},
                         {"model_has_tiled_mode", tiled_model},
                         {"reps", args.reps},
                         {"warmup", args.warmup},
                         {"time_budget_s", args.time_budget},
                         {"tolerance", args.tolerance},
                         {"network", "embedded vgg19"},
                         {"content_layers", options.content_layers},
                         {"style_layers", options.style_layers},
                         {"flops_convention", "useful = 4 x forward MACs (2 FLOP/MAC x (forward + input gradient))"},
                         {"floor_gflops", kFloorGflops}}},
                       {"results", rows_json},
                       {"agreement", agreement},
                       {"all_losses_agree", all_agree},
                       {"wall_s", wall_s},
                       {"measured_sweep", reused_sweep}};
  std::ofstream(args.json_path) << report.dump(2) << "\n";
  std::cerr << "wrote " << args.json_path << (args.markdown_path.empty() ? "" : " and " + args.markdown_path) << "\n";
  if (!args.markdown_path.empty()) std::ofstream(args.markdown_path) << md.str();

  if (!args.plot_path.empty()) {
    std::string why;
    if (!nst::plot_driver_available(&why)) {
      std::cerr << "no plot: " << why << "\n";
    } else {
      std::map<std::string, nst::PlotSeries> time, memory;
      nst::PlotSeries linear{"linear in pixels", {}, {}};
      const Row* first = nullptr;
      for (const auto& r : rows) {
        const double mpx = double(r.size) * r.size / 1e6;
        auto& model = memory["model, " + r.mode];
        model.name = "model, " + r.mode;
        model.x.push_back(mpx);
        model.y.push_back(r.predicted_mib / 1024);
        if (!ran(r)) continue;
        if (!first && r.mode == "untiled") first = &r;
        auto& t = time[r.mode];
        t.name = r.mode == "tiled" ? "tiled (" + std::to_string(args.tile) + " px)" : "untiled";
        t.x.push_back(mpx);
        t.y.push_back(r.child["median_s"].get<double>());
        auto& m = memory["peak RSS, " + r.mode];
        m.name = "peak RSS, " + r.mode;
        m.x.push_back(mpx);
        m.y.push_back(r.child["peak_rss_mib"].get<double>() / 1024);
      }
      std::vector<nst::PlotSeries> time_series, memory_series;
      for (const char* mode : {"untiled", "tiled"}) {
        if (time.count(mode)) time_series.push_back(time[mode]);
      }
      if (first) {
        const double s0 = first->child["median_s"].get<double>(), px0 = double(first->size) * first->size;
        for (int size : sizes) {
          linear.x.push_back(double(size) * size / 1e6);
          linear.y.push_back(s0 * size * size / px0);
        }
        time_series.push_back(linear);
      }
      for (const char* name : {"peak RSS, untiled", "model, untiled", "peak RSS, tiled", "model, tiled"}) {
        if (memory.count(name)) memory_series.push_back(memory[name]);
      }
      nst::LinePlotOptions o;
      o.log_x = o.log_y = true;
      o.x_label = "megapixels (square images, log)";
      try {
        if (!time_series.empty()) {
          o.title = "bench_scale: one style-objective evaluation, " + std::to_string(threads) + " threads";
          o.y_label = "seconds per evaluation (log)";
          nst::write_line_plot(time_series, o, args.plot_path);
          std::cerr << "wrote " << args.plot_path << "\n";
        }
        o.title = "bench_scale: peak resident memory, measured and modelled";
        o.y_label = "GiB (log)";
        nst::write_line_plot(memory_series, o, memory_plot_path(args.plot_path));
        std::cerr << "wrote " << memory_plot_path(args.plot_path) << "\n";
      } catch (const std::exception& e) {
        std::cerr << "no plot: " << e.what() << "\n";
      }
    }
  }
  return all_agree ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  try {
    return args.child_size > 0 ? run_child(args) : run_sweep(args);
  } catch (const std::exception& e) {
    std::cerr << "bench_scale: " << e.what() << "\n";
    return 1;
  }
}
