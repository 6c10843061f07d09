// `nst compare`: one problem (style transfer or feature inversion), several optimizer set-ups,
// the same start; writes loss vs iteration and vs seconds (CSV + JSON + PNG plots), each final
// image, the final images side by side, and a Markdown summary table on stdout.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/invert.h"
#include "nst/plot.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "options.h"

namespace nst::cli {
namespace {

const char* kDefaultSetups = "lbfgs,lbfgs-nols,lbfgs-blur,adam-0.01,adam-0.05,sgd-0.001";

/// Smaller and shorter than a single run's defaults: compare runs every set-up in turn.
constexpr int kCompareSize = 128;
constexpr int kCompareIterations = 100;

struct CompareArgs {
  std::string problem = "style", content, style, image, layers, outdir, setups = kDefaultSetups, device;
  int size = 0, iterations = 0, threads = 0;
  uint64_t seed = 0;
  bool no_network_cache = false;
};

/// One optimizer configuration, parsed from its name.
struct Setup {
  std::string name;
  OptimizerOptions optimizer;
  bool blur_on_stall = false;  // invert only
};

struct Row {
  int iteration = 0;
  double seconds = 0, loss = 0;
  int evaluations = 0;  // total since the start of the set-up
};

struct Outcome {
  Setup setup;
  std::vector<Row> rows;
  std::string stop, message;
  double psnr = NAN;  // invert only
  int blurs = 0;
  at::Tensor image;  // final image, for the montage
};

double parse_rate(const std::string& name, const std::string& text) {
  char* end = nullptr;
  const double rate = std::strtod(text.c_str(), &end);
  NST_CHECK(!text.empty() && end && *end == '\0' && std::isfinite(rate) && rate > 0, kUsage,
            "--setups: '" + name + "' needs a learning rate > 0, e.g. adam-0.01");
  return rate;
}

Setup parse_setup(const std::string& name) {
  Setup s;
  s.name = name;
  if (name == "lbfgs") return s;
  if (name == "lbfgs-nols") {
    s.optimizer.line_search = false;  // fixed step, what jcjohnson/neural-style does
    return s;
  }
  if (name == "lbfgs-blur") {
    s.blur_on_stall = true;
    return s;
  }
  for (const char* prefix : {"adam-", "sgd-"}) {
    const std::string p(prefix);
    if (name.rfind(p, 0) == 0) {
      s.optimizer.kind = p == "adam-" ? OptimizerKind::kAdam : OptimizerKind::kSgd;
      s.optimizer.learning_rate = parse_rate(name, name.substr(p.size()));
      return s;
    }
  }
  fail(ErrorKind::kUsage, "--setups: unknown set-up '" + name +
                              "' (expected lbfgs, lbfgs-nols, lbfgs-blur, adam-<lr>, sgd-<lr>)");
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// JSON has no NaN/Inf: a diverged loss becomes null.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string fmt(const char* format, double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

/// Drops layers whose feature map would be under 2 px (their reflection padding fails), e.g.
/// relu5_1 at 32 px. compare runs the embedded (reflect-padded) network.
std::vector<std::string> layers_that_fit(const std::vector<std::string>& layers, int min_side) {
  std::vector<std::string> kept;
  for (const auto& name : layers) {
    if (min_side >= min_image_side(name, Padding::kReflect)) kept.push_back(name);
  }
  return kept;
}

double final_loss(const Outcome& o) { return o.rows.empty() ? NAN : o.rows.back().loss; }
double final_seconds(const Outcome& o) { return o.rows.empty() ? NAN : o.rows.back().seconds; }

/// Loss at the last recorded iteration <= k (NaN when none).
double loss_at(const Outcome& o, int k) {
  double loss = NAN;
  for (const Row& r : o.rows) {
    if (r.iteration > k) break;
    loss = r.loss;
  }
  return loss;
}

/// First row whose loss is <= target (nullptr when none).
const Row* first_reaching(const Outcome& o, double target) {
  for (const Row& r : o.rows) {
    if (r.loss <= target) return &r;
  }
  return nullptr;
}

void write_csv(const std::string& path, const std::vector<Outcome>& outcomes) {
  FILE* f = std::fopen(path.c_str(), "w");
  NST_CHECK(f, kIo, "cannot write " + path);
  std::fprintf(f, "setup,iteration,seconds,loss,evaluations\n");
  for (const Outcome& o : outcomes) {
    for (const Row& r : o.rows) {
      std::fprintf(f, "%s,%d,%.6f,%.9g,%d\n", o.setup.name.c_str(), r.iteration, r.seconds, r.loss, r.evaluations);
    }
  }
  NST_CHECK(std::fclose(f) == 0, kIo, "cannot write " + path);
}

void write_json(const std::string& path, const CompareArgs& a, const std::vector<Outcome>& outcomes, double worst) {
  FILE* f = std::fopen(path.c_str(), "w");
  NST_CHECK(f, kIo, "cannot write " + path);
  std::fprintf(f, "{\"problem\":%s,\"size\":%d,\"iterations\":%d,\"seed\":%llu,\"worst_final_loss\":%s,\"setups\":[",
               json_string(a.problem).c_str(), a.size, a.iterations, static_cast<unsigned long long>(a.seed),
               json_number(worst).c_str());
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    std::fprintf(f, "%s\n {\"setup\":%s,\"final_loss\":%s,\"seconds\":%s,\"iterations\":%d,\"stop\":%s,\"message\":%s",
                 i ? "," : "", json_string(o.setup.name).c_str(), json_number(final_loss(o)).c_str(),
                 json_number(final_seconds(o)).c_str(), o.rows.empty() ? 0 : o.rows.back().iteration,
                 json_string(o.stop).c_str(), json_string(o.message).c_str());
    if (a.problem == "invert") std::fprintf(f, ",\"psnr\":%s,\"blurs\":%d", json_number(o.psnr).c_str(), o.blurs);
    std::fprintf(f, ",\"rows\":[");
    for (size_t j = 0; j < o.rows.size(); ++j) {
      const Row& r = o.rows[j];
      std::fprintf(f, "%s{\"iteration\":%d,\"seconds\":%s,\"loss\":%s,\"evaluations\":%d}", j ? "," : "",
                   r.iteration, json_number(r.seconds).c_str(), json_number(r.loss).c_str(), r.evaluations);
    }
    std::fprintf(f, "]}");
  }
  std::fprintf(f, "\n]}\n");
  NST_CHECK(std::fclose(f) == 0, kIo, "cannot write " + path);
}

/// "style transfer, 128 px" / "inversion of conv5_1, 128 px": names the problem in plot titles.
std::string problem_title(const CompareArgs& a) {
  const std::string what = a.problem == "style" ? "style transfer" : "inversion of " + a.layers;
  return what + ", " + std::to_string(a.size) + " px, seed " + std::to_string(a.seed);
}

/// Writes compare_iterations.png and compare_seconds.png (log loss, one line per set-up) and
/// compare_images.png (the reference image, then the final images side by side, name and final
/// loss under each).
void write_figures(const CompareArgs& a, const std::vector<Outcome>& outcomes, const at::Tensor& reference) {
  const std::filesystem::path dir(a.outdir);
  std::vector<PlotSeries> by_iteration, by_seconds;
  // The image the set-ups aim at (invert) or start from (style content) comes first, to compare against.
  std::vector<MontageTile> tiles{{a.problem == "style" ? "content" : "original", reference}};
  for (const Outcome& o : outcomes) {
    // A set-up that diverged at once has nothing to draw on a log axis; the table still lists it.
    const bool drawable = std::any_of(o.rows.begin(), o.rows.end(),
                                      [](const Row& r) { return std::isfinite(r.loss) && r.loss > 0; });
    if (drawable) {
      PlotSeries it{o.setup.name, {}, {}}, secs{o.setup.name, {}, {}};
      for (const Row& r : o.rows) {
        it.x.push_back(r.iteration);
        it.y.push_back(r.loss);
        secs.x.push_back(r.seconds);
        secs.y.push_back(r.loss);
      }
      by_iteration.push_back(std::move(it));
      by_seconds.push_back(std::move(secs));
    }
    if (o.image.defined()) tiles.push_back({o.setup.name + "\n" + fmt("%.4g", final_loss(o)), o.image});
  }
  std::vector<std::string> written;
  if (!by_iteration.empty()) {
    LinePlotOptions po;
    po.y_label = a.problem == "style" ? "loss" : "loss (feature + priors)";
    po.title = problem_title(a) + ": loss vs iteration";
    written.push_back((dir / "compare_iterations.png").string());
    write_line_plot(by_iteration, po, written.back());
    po.x_label = "seconds";
    po.title = problem_title(a) + ": loss vs time";
    written.push_back((dir / "compare_seconds.png").string());
    write_line_plot(by_seconds, po, written.back());
  } else {
    std::fprintf(stderr, "nst: note: no finite positive loss to plot\n");
  }
  if (tiles.size() > 1) {
    written.push_back((dir / "compare_images.png").string());
    write_montage(tiles, written.back());
  }
  std::string list;
  for (const auto& w : written) list += (list.empty() ? "" : ", ") + w;
  if (!list.empty()) std::fprintf(stderr, "nst: wrote %s\n", list.c_str());
}

void print_table(const CompareArgs& a, const std::vector<Outcome>& outcomes, double worst) {
  const int k10 = std::max(1, static_cast<int>(std::lround(a.iterations * 0.1)));
  const int k50 = std::max(1, static_cast<int>(std::lround(a.iterations * 0.5)));
  std::printf("| setup | final loss | loss @%d | loss @%d | seconds | s/iter | evals/iter | first to L=%.4g (iter) | "
              "first to L (s) | stop |\n",
              k10, k50, worst);
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Outcome& o : outcomes) {
    const int n = o.rows.empty() ? 0 : o.rows.back().iteration;
    const double secs = final_seconds(o);
    const double evals = o.rows.empty() ? NAN : o.rows.back().evaluations;
    const Row* hit = std::isfinite(worst) ? first_reaching(o, worst) : nullptr;
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", o.setup.name.c_str(),
                fmt("%.4g", final_loss(o)).c_str(), fmt("%.4g", loss_at(o, k10)).c_str(),
                fmt("%.4g", loss_at(o, k50)).c_str(), fmt("%.2f", secs).c_str(),
                fmt("%.3f", n ? secs / n : NAN).c_str(), fmt("%.2f", n ? evals / n : NAN).c_str(),
                hit ? std::to_string(hit->iteration).c_str() : "-", hit ? fmt("%.2f", hit->seconds).c_str() : "-",
                o.stop.c_str());
  }
}

int run(CompareArgs& a) {
  // Usage checks first, before any file is read.
  NST_CHECK(a.problem == "style" || a.problem == "invert", kUsage, "--problem must be style or invert");
  check_image_side(a.size);
  NST_CHECK(a.iterations >= 1, kUsage, "--iterations must be >= 1");
  std::vector<Setup> setups;
  std::set<std::string> seen;
  for (const auto& name : split_list(a.setups, "--setups")) {
    NST_CHECK(seen.insert(name).second, kUsage, "--setups: '" + name + "' given twice");
    setups.push_back(parse_setup(name));
  }
  const bool style = a.problem == "style";
  if (style) {
    NST_CHECK(!a.content.empty() && !a.style.empty(), kUsage, "--problem style needs --content and --style");
  } else {
    NST_CHECK(!a.image.empty(), kUsage, "--problem invert needs --image");
  }
  check_device(a.device);
  std::error_code ec;
  NST_CHECK(std::filesystem::is_directory(a.outdir, ec), kIo, "output folder does not exist: " + a.outdir);
  // The plots come last: find a missing PLplot driver before minutes of optimization, not after.
  std::string why;
  NST_CHECK(plot_driver_available(&why), kResource, why);

  const int threads = configure_runtime(a.threads);
  EmbeddedNetOptions embedded;
  embedded.cache_dir = network_cache_dir(a.no_network_cache);
  VggWeights weights = make_embedded_vgg(embedded);
  StyleOptions so = style_defaults("embedded");  // as `nst style` uses them
  InvertOptions io;
  at::Tensor content, style_image, image;
  if (style) {
    so.seed = a.seed;
    so.iterations = a.iterations;
    so.device = a.device;
    check_style_options(so, 1);
    content = read_image(a.content, a.size);
    style_image = read_image(a.style, a.size);
    const int min_side = static_cast<int>(std::min({content.size(2), content.size(3), style_image.size(2),
                                                     style_image.size(3)}));
    for (auto* layers : {&so.style_layers, &so.content_layers}) {
      const auto kept = layers_that_fit(*layers, min_side);
      NST_CHECK(!kept.empty(), kUsage, "--size " + std::to_string(a.size) + " is too small for the layers");
      if (kept.size() < layers->size()) {
        std::fprintf(stderr, "nst: note: %d px is too small for the deepest layers; using %zu of %zu\n", min_side,
                     kept.size(), layers->size());
      }
      *layers = kept;
    }
  } else {
    io.layers = split_list(a.layers, "--layer");
    io.seed = a.seed;
    io.iterations = a.iterations;
    io.device = a.device;
    check_invert_options(io);
    check_layer_names(weights.arch, io.layers);
    image = read_image(a.image, a.size);
    check_invert_options(io, static_cast<int>(image.size(2)), static_cast<int>(image.size(3)));
  }
  std::fprintf(stderr, "nst: compare %s, %d iterations, %zu set-ups, %s, %d threads\n", a.problem.c_str(),
               a.iterations, setups.size(), a.device.c_str(), threads);
  if (style && seen.count("lbfgs-blur")) {
    std::fprintf(stderr, "nst: note: lbfgs-blur has no blur-on-stall in style transfer; it runs as lbfgs\n");
  }

  RunProgress monitor(nullptr);  // no bar, trace or saves: the rows are the record
  std::vector<Outcome> outcomes;
  for (const Setup& setup : setups) {
    Outcome out;
    out.setup = setup;
    const ProgressCallback progress = monitor.callback({}, [&](const IterationReport& r) {
      out.rows.push_back({r.iteration, r.seconds, r.loss, r.total_evaluations});
    });
    at::Tensor final_image;
    StopReason stop;
    if (style) {
      StyleOptions o = so;
      o.optimizer = setup.optimizer;
      StyleResult res = run_style(weights, content, {style_image}, o, progress);
      final_image = res.image;
      stop = res.stop;
      out.message = res.message;
    } else {
      InvertOptions o = io;
      o.optimizer = setup.optimizer;
      // Only lbfgs-blur edits the image on a stall, so that blur is the one difference.
      o.on_stall = setup.blur_on_stall ? StallAction::kBlur : StallAction::kNone;
      InvertResult res = run_invert(weights, image, o, progress);
      final_image = res.image;
      stop = res.stop;
      out.message = res.message;
      out.psnr = res.psnr;
      out.blurs = res.blurs;
    }
    out.stop = to_string(stop);
    const std::string png = (std::filesystem::path(a.outdir) / (setup.name + ".png")).string();
    write_image(final_image, png);
    out.image = final_image;
    std::fprintf(stderr, "nst: %-12s %s after %zu iterations, %.1fs: loss %.6e%s%s; wrote %s\n", setup.name.c_str(),
                 out.stop.c_str(), out.rows.size(), final_seconds(out), final_loss(out),
                 out.message.empty() ? "" : ": ", out.message.c_str(), png.c_str());
    outcomes.push_back(std::move(out));
    if (interrupted()) break;  // Ctrl-C: keep what was collected, skip the remaining set-ups
  }

  // L: the worst final loss, so every set-up reaches it; "first to reach" compares speed.
  double worst = NAN;
  for (const Outcome& o : outcomes) {
    const double f = final_loss(o);
    if (std::isfinite(f) && !(f <= worst)) worst = f;
  }
  const std::filesystem::path dir(a.outdir);
  write_csv((dir / "compare.csv").string(), outcomes);
  write_json((dir / "compare.json").string(), a, outcomes, worst);
  print_table(a, outcomes, worst);
  std::fprintf(stderr, "nst: wrote %s, %s\n", (dir / "compare.csv").string().c_str(),
               (dir / "compare.json").string().c_str());
  write_figures(a, outcomes, style ? content : image);
  return interrupted() ? kExitInterrupted : kExitOk;
}

}  // namespace

void add_compare_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run one problem with several optimizer set-ups from the same start; write loss curves");
  cmd->add_option("--problem", a->problem, "style (needs --content, --style) | invert (needs --image; --layer)")
      ->capture_default_str();
  add_content_image(cmd, a->content);
  add_style_images(cmd, a->style);
  add_target_image(cmd, a->image);
  const StyleOptions defaults_style;  // (named: gcc 12 warns falsely about temporaries' strings)
  const InvertOptions defaults_invert;
  add_layers(cmd, a->layers, defaults_invert);
  cmd->add_option("--outdir", a->outdir, "Existing folder for compare.csv, compare.json, <setup>.png and the plots compare_iterations.png, "
                  "compare_seconds.png, compare_images.png")
      ->required();
  add_size(cmd, a->size, kCompareSize);
  add_iterations(cmd, a->iterations, kCompareIterations);
  cmd->add_option("--setups", a->setups,
                  "Comma-separated: lbfgs (strong-Wolfe line search) | lbfgs-nols (fixed step, as neural-style) | "
                  "lbfgs-blur (invert: blur on stall; style: same as lbfgs) | adam-<lr> | sgd-<lr>")
      ->capture_default_str();
  add_seed(cmd, a->seed, defaults_style.seed);
  add_threads(cmd, a->threads);
  add_no_network_cache(cmd, a->no_network_cache);
  add_device(cmd, a->device, defaults_style.device);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
