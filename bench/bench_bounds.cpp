// bench_bounds: how the pixels are kept in [0,1] (StyleOptions::bounds), judged by the image the
// user keeps. For each network x image pair x method one real style run (nst::run_style); the
// saved image (clamped, rounded to 8 bits as the PNG holds it) and the last iterate are both
// scored under the run's own objective without any range term, so the methods compare on one
// loss. Networks: the embedded one (its defaults) and a random network of trained VGG19 shapes
// (Kaiming-normal filters, zero biases, no per-layer rescaling) written to and loaded from a
// safetensors file, with the trained-weights defaults. Prints a Markdown table, writes JSON and,
// with --images, every saved image and one montage per network to look at.
#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nst/image.h"
#include "nst/plot.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"  // scoring without the range term

#include "bench_cli.h"
#include "bench_common.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."
#endif

namespace {

using namespace nst::bench;
using nlohmann::json;

struct Args {
  int size = 128;
  int iterations = 100;
  int threads = 0;
  std::vector<std::string> methods{"clamp", "box", "penalty", "polish"};
  std::vector<std::string> networks{"embedded", "random-trained-shapes"};
  std::vector<std::string> pairs{"chelsea.png:starry_night.jpg", "astronaut.png:shipwreck.jpg",
                                 "building.jpg:hubble_deep_field.jpg"};
  std::string images_dir = NST_SOURCE_DIR "/../shared/images";
  std::string json_path = "bench_bounds.json";
  std::string markdown_path, save_dir;
};

constexpr const char* kProgram = "bench_bounds";

Args parse_args(int argc, char** argv) {
  CLI::App app{"How the pixels are kept in [0,1] (--bounds), judged by the saved image's loss", kProgram};
  Args a;
  keep_last_values(app);
  app.add_option("--size", a.size, "Image size in px")->check(CLI::Range(32, 1 << 16))->capture_default_str();
  app.add_option("--iterations", a.iterations, "Iterations per run")->check(at_least(1))->capture_default_str();
  add_threads(app, a.threads);
  add_list(app, "--methods", a.methods, "--bounds methods to compare")
      ->check(CLI::IsMember({"clamp", "box", "penalty", "polish"}));
  add_list(app, "--networks", a.networks, "Networks to run")
      ->check(CLI::IsMember({"embedded", "random-trained-shapes"}));
  add_list(app, "--pairs", a.pairs, "CONTENT:STYLE file names under --image-dir");
  app.add_option("--image-dir", a.images_dir, "Folder of the pairs' images")->capture_default_str();
  add_json(app, a.json_path);
  add_markdown(app, a.markdown_path);
  app.add_option("--images", a.save_dir, "Folder for every saved image and a montage per network");
  parse_or_exit(app, argc, argv);
  if (a.methods.empty() || a.pairs.empty()) usage_error(kProgram, "--methods and --pairs need at least one item");
  return a;
}

/// VGG19 of trained shapes with Kaiming-normal filters (seeded) and zero biases, written as a
/// safetensors file and loaded back through the ordinary file path.
nst::VggWeights random_trained_shapes(const std::string& path) {
  const int widths[] = {64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512};
  auto generator = at::detail::createCPUGenerator(1234);
  nst::VggWeights w;
  w.arch = nst::VggArch::kVgg19;
  int in = 3;
  for (int out : widths) {
    w.weights.push_back(at::randn({out, in, 3, 3}, generator, at::kFloat) * std::sqrt(2.0 / (9.0 * in)));
    w.biases.push_back(at::zeros({out}));
    in = out;
  }
  nst::write_safetensors(path, nst::state_dict_from_vgg(w), {{"preprocess", "caffe"}});
  return nst::load_weights(path, nst::VggArch::kVgg19);
}

struct Row {
  std::string network, pair, method;
  double iterate_loss = 0, saved_loss = 0, seconds = 0;
  int iterations = 0, evaluations = 0;
  double out_of_range = 0;  // share of the last iterate's elements outside [0,1]
};

std::string stem(const std::string& file) { return std::filesystem::path(file).stem().string(); }

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const int threads = nst::configure_runtime(args.threads);
  std::vector<Row> rows;
  std::map<std::string, std::vector<nst::MontageTile>> montages;
  for (const std::string& network : args.networks) {
    nst::VggWeights weights;
    nst::StyleOptions base;
    if (network == "embedded") {
      weights = nst::make_embedded_vgg();
    } else if (network == "random-trained-shapes") {
      weights = random_trained_shapes((std::filesystem::temp_directory_path() / "nst_bench_bounds_vgg19.safetensors").string());
      base = nst::trained_vgg_style_defaults();
    } else {
      usage_error(kProgram, "unknown network '" + network + "'");
    }
    base.iterations = args.iterations;
    for (const std::string& pair : args.pairs) {
      const auto colon = pair.find(':');
      if (colon == std::string::npos) usage_error(kProgram, "a pair is CONTENT:STYLE, got '" + pair + "'");
      const at::Tensor content = nst::read_image(args.images_dir + "/" + pair.substr(0, colon), args.size);
      // Trimmed here, as run_style trims it, so that the judge's targets are the optimized ones.
      const std::vector<at::Tensor> styles{
          nst::trim_uniform_border(nst::read_image(args.images_dir + "/" + pair.substr(colon + 1), args.size))};
      // The judge: the run's own loss, without the range term (bounds = clamp adds none).
      nst::StyleOptions scoring = base;
      scoring.bounds = nst::BoundsMethod::kClamp;
      std::vector<std::string> layers = scoring.content_layers;
      layers.insert(layers.end(), scoring.style_layers.begin(), scoring.style_layers.end());
      const nst::FeatureNet net(weights, scoring.pooling, layers);
      nst::detail::StyleObjective judge(net, content, styles, scoring);
      const std::string pair_name = stem(pair.substr(0, colon)) + "+" + stem(pair.substr(colon + 1));
      for (const std::string& method : args.methods) {
        nst::StyleOptions options = base;
        options.bounds = nst::parse_bounds_method(method);
        Row row{network, pair_name, method};
        at::Tensor last;
        const auto progress = [&](const nst::IterationReport& r, const at::Tensor& image) {
          last = image.clone();  // run_style clamps its result in place: keep the iterate itself
          row.seconds = r.seconds;
          row.iterations = r.iteration;
          row.evaluations = r.total_evaluations;
          return true;
        };
        const nst::StyleResult result = nst::run_style(weights, content, styles, options, progress);
        at::Tensor iterate = last.defined() ? last : result.image;
        at::Tensor saved = (result.image.clamp(0, 1) * 255).round() / 255;  // what the PNG holds
        at::Tensor unused;
        row.iterate_loss = judge(iterate, unused);
        row.saved_loss = judge(saved, unused);
        row.out_of_range = (iterate.lt(0).logical_or(iterate.gt(1))).to(at::kDouble).mean().item<double>();
        std::fprintf(stderr, "  %-22s %-32s %-8s iterate %.4e saved %.4e (x%.3f) %5.1f s %4d evals\n", network.c_str(),
                     pair_name.c_str(), method.c_str(), row.iterate_loss, row.saved_loss,
                     row.saved_loss / row.iterate_loss, row.seconds, row.evaluations);
        if (!args.save_dir.empty()) {
          std::filesystem::create_directories(args.save_dir);
          nst::write_image(saved, args.save_dir + "/" + network + "_" + pair_name + "_" + method + ".png");
          char label[96];
          std::snprintf(label, sizeof label, "%s %s %.3g", pair_name.c_str(), method.c_str(), row.saved_loss);
          montages[network].push_back({label, saved});
        }
        rows.push_back(row);
      }
    }
  }
  for (const auto& [network, tiles] : montages) {
    nst::write_montage(tiles, args.save_dir + "/" + network + "_montage.png", static_cast<int>(args.methods.size()));
  }

  // Per network and method: medians over the pairs of the saved image's loss relative to the
  // clamp method's saved image on the same pair, and of saved / iterate.
  std::ostringstream md;
  md << "bench_bounds: longest side " << args.size << " px, " << args.iterations << " iterations, " << threads
     << " threads, " << cpu_model() << ", libtorch " << torch_version() << "\n\n"
     << "| network | pair | method | iterate loss | saved loss | saved ÷ iterate | saved ÷ clamp's saved | "
        "outside [0,1] | evals/iter | s |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  json j_rows = json::array();
  std::map<std::string, double> clamp_saved;
  for (const Row& r : rows) {
    if (r.method == "clamp") clamp_saved[r.network + r.pair] = r.saved_loss;
  }
  std::map<std::string, std::vector<double>> rel_clamp, rel_iterate, secs;
  for (const Row& r : rows) {
    const auto it = clamp_saved.find(r.network + r.pair);
    const double vs_clamp = it != clamp_saved.end() ? r.saved_loss / it->second : 0;
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %s | %s | %.4e | %.4e | %.3f | %s | %.2f%% | %.2f | %.1f |\n",
                  r.network.c_str(), r.pair.c_str(), r.method.c_str(), r.iterate_loss, r.saved_loss,
                  r.saved_loss / r.iterate_loss, fmt(vs_clamp, 3).c_str(), 100 * r.out_of_range,
                  static_cast<double>(r.evaluations) / std::max(1, r.iterations), r.seconds);
    md << line;
    rel_clamp[r.network + "|" + r.method].push_back(vs_clamp);
    rel_iterate[r.network + "|" + r.method].push_back(r.saved_loss / r.iterate_loss);
    secs[r.network + "|" + r.method].push_back(r.seconds);
    j_rows.push_back({{"network", r.network},
                      {"pair", r.pair},
                      {"method", r.method},
                      {"iterate_loss", r.iterate_loss},
                      {"saved_loss", r.saved_loss},
                      {"saved_vs_clamp", vs_clamp},
                      {"out_of_range", r.out_of_range},
                      {"iterations", r.iterations},
                      {"evaluations", r.evaluations},
                      {"seconds", r.seconds}});
  }
  md << "\nMedians over the pairs:\n\n| network | method | saved ÷ clamp's saved | saved ÷ iterate | s |\n"
     << "|---|---|---:|---:|---:|\n";
  json j_summary = json::array();
  for (const auto& [key, values] : rel_clamp) {
    const auto bar = key.find('|');
    md << "| " << key.substr(0, bar) << " | " << key.substr(bar + 1) << " | " << fmt(median_of(values), 3) << " | "
       << fmt(median_of(rel_iterate[key]), 3) << " | " << fmt(median_of(secs[key]), 1) << " |\n";
    j_summary.push_back({{"network", key.substr(0, bar)},
                         {"method", key.substr(bar + 1)},
                         {"median_saved_vs_clamp", median_of(values)},
                         {"median_saved_vs_iterate", median_of(rel_iterate[key])},
                         {"median_seconds", median_of(secs[key])}});
  }
  std::cout << md.str();
  if (!args.markdown_path.empty()) std::ofstream(args.markdown_path) << md.str();
  const json out{{"bench", "bench_bounds"}, {"size", args.size},   {"iterations", args.iterations},
                 {"threads", threads},      {"cpu", cpu_model()},  {"libtorch", torch_version()},
                 {"rows", j_rows},          {"summary", j_summary}};
  std::ofstream(args.json_path) << out.dump(2) << "\n";
  return 0;
}
