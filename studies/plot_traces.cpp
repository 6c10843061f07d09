// nst_plot_traces: draws `nst invert/style --trace` files with nst's plot API, and puts images side
// by side, so that studies/*.sh make their figures with the same code as `nst compare`.
//   nst_plot_traces plot --out loss.png --title T [--x iteration|seconds] [--y feature|loss] NAME=run.jsonl ...
//   nst_plot_traces montage --out images.png [--columns N] [--fit PX] NAME=image.png ...
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/plot.h"

namespace {

/// NAME=PATH, split at the first '='.
std::pair<std::string, std::string> split_named(const std::string& arg) {
  const auto eq = arg.find('=');
  NST_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < arg.size(), kUsage,
            "expected NAME=PATH, got '" + arg + "'");
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

/// Reads one trace: x = iteration or seconds; y = the summed "feature:*" parts (the inversion's
/// feature loss, comparable across priors) when y_key is "feature" and the trace has them, else "loss".
nst::PlotSeries read_trace(const std::string& name, const std::string& path, const std::string& x_key,
                           const std::string& y_key) {
  std::ifstream in(path);
  NST_CHECK(in, kIo, "cannot read trace " + path);
  nst::PlotSeries s;
  s.name = name;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    NST_CHECK(j.is_object() && j.contains(x_key) && j.contains("loss"), kFormat,
              path + ":" + std::to_string(line_number) + ": not a trace line (needs '" + x_key + "' and 'loss')");
    double y = j["loss"].is_number() ? j["loss"].get<double>() : NAN;
    if (y_key == "feature" && j.contains("parts") && j["parts"].is_object()) {
      double feature = 0;
      bool any = false;
      for (const auto& [key, value] : j["parts"].items()) {
        if (key.rfind("feature:", 0) == 0 && value.is_number()) {
          feature += value.get<double>();
          any = true;
        }
      }
      if (any) y = feature;
    }
    s.x.push_back(j[x_key].get<double>());
    s.y.push_back(y);
  }
  return s;
}

int run(int argc, char** argv) {
  CLI::App app("Plots of nst trace files and image montages (nst's plot API)");
  app.require_subcommand(1);
  std::string out, title, x_key = "iteration", y_key = "feature";
  int columns = 0, width = 960, height = 600, fit = 0;
  std::vector<std::string> inputs;
  CLI::App* plot = app.add_subcommand("plot", "Loss vs iteration or seconds, one line per trace, log-scale loss");
  plot->add_option("--out", out, "Output PNG")->required();
  plot->add_option("--title", title, "Plot title");
  plot->add_option("--x", x_key, "iteration | seconds")->capture_default_str()->check(CLI::IsMember({"iteration", "seconds"}));
  plot->add_option("--y", y_key, "feature (summed feature:* parts) | loss (total)")
      ->capture_default_str()
      ->check(CLI::IsMember({"feature", "loss"}));
  plot->add_option("--width", width, "px")->capture_default_str();
  plot->add_option("--height", height, "px")->capture_default_str();
  plot->add_option("traces", inputs, "NAME=TRACE.jsonl")->required();
  CLI::App* montage = app.add_subcommand("montage", "Images side by side, each name under its image");
  montage->add_option("--out", out, "Output PNG")->required();
  montage->add_option("--columns", columns, "Images per row (0: one row)")->capture_default_str();
  montage->add_option("--fit", fit, "Resize images whose longest side is not this (0: as they are)")
      ->capture_default_str();
  montage->add_option("images", inputs, "NAME=IMAGE")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (plot->parsed()) {
    std::vector<nst::PlotSeries> series;
    for (const auto& arg : inputs) {
      const auto [name, path] = split_named(arg);
      series.push_back(read_trace(name, path, x_key, y_key));
    }
    nst::LinePlotOptions o;
    o.title = title;
    o.x_label = x_key == "seconds" ? "seconds" : "iteration";
    o.y_label = y_key == "feature" ? "feature loss" : "loss";
    o.width = width;
    o.height = height;
    nst::write_line_plot(series, o, out);
  } else {
    std::vector<nst::MontageTile> tiles;
    for (const auto& arg : inputs) {
      const auto [name, path] = split_named(arg);
      // The original is larger than the reconstructions; these already have the size and stay untouched.
      const nst::ImageInfo info = nst::probe_image(path);
      const bool resize = fit > 0 && std::max(info.width, info.height) != fit;
      tiles.push_back({name, nst::read_image(path, resize ? fit : 0)});
    }
    nst::write_montage(tiles, out, columns);
  }
  std::fprintf(stderr, "nst_plot_traces: wrote %s\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const nst::Error& e) {
    std::fprintf(stderr, "nst_plot_traces: error: %s\n", e.what());
    return e.kind() == nst::ErrorKind::kUsage ? 2 : 1;
  }
}
