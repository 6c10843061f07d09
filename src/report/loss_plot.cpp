// Loss curves through PLplot's C API and its pngcairo device (antialiased lines, real fonts).
// PLplot keeps global state and ends the process on fatal errors, so every call holds one lock,
// each plot gets its own stream, and everything PLplot could fail on (driver, file) is checked
// first; its exit handler throws instead of exiting.
#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "nst/error.h"
#include "nst/plot.h"

namespace nst {
namespace {

constexpr const char* kDevice = "pngcairo";
constexpr int kMinSide = 64, kMaxSide = 8192;

// Colour map 0: 0 background (white), 1 axes and text (black), then a qualitative palette
// (matplotlib's tab10) for the lines.
constexpr int kFirstLineColour = 2;
constexpr int kPalette[][3] = {{255, 255, 255}, {0, 0, 0},      {31, 119, 180},  {255, 127, 14},
                               {44, 160, 44},   {214, 39, 40},  {148, 103, 189}, {140, 86, 75},
                               {227, 119, 194}, {127, 127, 127}, {188, 189, 34},  {23, 190, 207}};
constexpr int kPaletteSize = sizeof kPalette / sizeof kPalette[0];
constexpr int kLineColours = kPaletteSize - kFirstLineColour;

std::mutex& plplot_mutex() {
  static std::mutex m;
  return m;
}

// plexit() would print and call exit(); throwing hands the message to the caller instead.
int throw_on_plplot_exit(PLCHAR_VECTOR message) {
  fail(ErrorKind::kResource, std::string("PLplot: ") + (message ? message : "fatal error"));
}

// plabort() is for recoverable problems; keep them off stderr, the caller checks the file.
void ignore_plplot_abort(PLCHAR_VECTOR) {}

// '#' starts a PLplot text escape; a literal one is written twice.
std::string escape_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '#') out += '#';
  }
  return out;
}

bool drawable(double x, double y, bool log_x, bool log_y) {
  return std::isfinite(x) && std::isfinite(y) && (!log_x || x > 0) && (!log_y || y > 0);
}

// Runs of consecutive drawable points, x and y already mapped to the axes (log10 when log_x / log_y).
std::vector<std::pair<std::vector<PLFLT>, std::vector<PLFLT>>> segments(const PlotSeries& s, bool log_x, bool log_y) {
  std::vector<std::pair<std::vector<PLFLT>, std::vector<PLFLT>>> out;
  bool open = false;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!drawable(s.x[i], s.y[i], log_x, log_y)) {
      open = false;
      continue;
    }
    if (!open) out.emplace_back();
    open = true;
    out.back().first.push_back(log_x ? std::log10(s.x[i]) : s.x[i]);
    out.back().second.push_back(log_y ? std::log10(s.y[i]) : s.y[i]);
  }
  return out;
}

}  // namespace

bool plot_driver_available(std::string* why) {
  std::lock_guard<std::mutex> lock(plplot_mutex());
  // PLplot reads the *.driver_info files of its compiled-in driver folder (or $PLPLOT_DRV_DIR),
  // so no environment variable is needed on a Debian install.
  constexpr int kMaxDevices = 128;
  std::vector<PLCHAR_VECTOR> menu(kMaxDevices), names(kMaxDevices);
  PLCHAR_VECTOR* menu_ptr = menu.data();
  PLCHAR_VECTOR* names_ptr = names.data();
  int count = kMaxDevices;
  const std::string missing =
      "PLplot's pngcairo driver is missing: install plplot-driver-cairo (scripts/install-deps.sh)";
  plsexit(throw_on_plplot_exit);
  try {
    plgDevs(&menu_ptr, &names_ptr, &count);  // with no driver at all, PLplot calls its exit handler
  } catch (const Error&) {
    count = 0;
  }
  for (int i = 0; i < count; ++i) {
    if (names[i] && std::string(names[i]) == kDevice) return true;
  }
  if (why) *why = missing;
  return false;
}

void write_line_plot(const std::vector<PlotSeries>& series, const LinePlotOptions& options,
                     const std::string& path) {
  NST_CHECK(!series.empty(), kUsage, "plot " + path + ": no series to draw");
  NST_CHECK(options.width >= kMinSide && options.width <= kMaxSide && options.height >= kMinSide &&
                options.height <= kMaxSide,
            kUsage, "plot " + path + ": size must be between 64 and 8192 px per side");
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  NST_CHECK(ext == ".png", kUsage, "plot " + path + ": only .png output is supported");

  // Axis ranges over the drawable points; every series must have at least one.
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  std::vector<std::vector<std::pair<std::vector<PLFLT>, std::vector<PLFLT>>>> lines;
  for (const PlotSeries& s : series) {
    NST_CHECK(s.x.size() == s.y.size(), kUsage,
              "plot " + path + ": series '" + s.name + "' has " + std::to_string(s.x.size()) + " x but " +
                  std::to_string(s.y.size()) + " y values");
    lines.push_back(segments(s, options.log_x, options.log_y));
    NST_CHECK(!lines.back().empty(), kUsage,
              "plot " + path + ": series '" + s.name + "' has no " +
                  (options.log_y || options.log_x ? "finite positive" : "finite") +
                  " points");
    for (const auto& [xs, ys] : lines.back()) {
      x_min = std::min(x_min, *std::min_element(xs.begin(), xs.end()));
      x_max = std::max(x_max, *std::max_element(xs.begin(), xs.end()));
      y_min = std::min(y_min, *std::min_element(ys.begin(), ys.end()));
      y_max = std::max(y_max, *std::max_element(ys.begin(), ys.end()));
    }
  }
  if (x_max <= x_min) {  // a single x: widen so that the axis has a span
    x_min -= 0.5;
    x_max += 0.5;
  }
  if (y_max <= y_min) {
    y_min -= 0.5;
    y_max += 0.5;
  }
  const double y_pad = 0.04 * (y_max - y_min);  // keep lines off the frame
  y_min -= y_pad;
  y_max += y_pad;

  std::string why;
  if (!plot_driver_available(&why)) fail(ErrorKind::kResource, why);
  AtomicFile out(path);
  {
    // PLplot retries (and then exits) on a file it cannot open: find out first.
    FILE* probe = std::fopen(out.temp_path().c_str(), "wb");
    NST_CHECK(probe, kIo, "cannot write plot " + path);
    std::fclose(probe);
  }

  std::lock_guard<std::mutex> lock(plplot_mutex());
  plsexit(throw_on_plplot_exit);
  plsabort(ignore_plplot_abort);
  PLINT previous_stream = 0, stream = 0;
  plgstrm(&previous_stream);
  plmkstrm(&stream);
  NST_CHECK(stream >= 0, kResource, "plot " + path + ": PLplot has no free stream");
  try {
    plsdev(kDevice);
    plsfnam(out.temp_path().c_str());
    const std::string geometry = std::to_string(options.width) + "x" + std::to_string(options.height);
    plsetopt("geometry", geometry.c_str());
    std::vector<PLINT> r, g, b;
    for (const auto& c : kPalette) {
      r.push_back(c[0]);
      g.push_back(c[1]);
      b.push_back(c[2]);
    }
    plscmap0(r.data(), g.data(), b.data(), kPaletteSize);
    plinit();
    pladv(0);
    // Leave the right quarter for the legend, so it never hides a curve.
    plvpor(0.09, 0.74, 0.11, 0.92);
    plwind(x_min, x_max, y_min, y_max);
    plcol0(1);
    plwidth(1.0);
    plschr(0.0, 0.9);
    plbox(options.log_x ? "bcnstl" : "bcnst", 0.0, 0, options.log_y ? "bcnstlv" : "bcnstv", 0.0, 0);
    pllab(escape_text(options.x_label).c_str(), escape_text(options.y_label).c_str(),
          escape_text(options.title).c_str());

    const PLINT n = static_cast<PLINT>(series.size());
    std::vector<PLINT> opts(n, PL_LEGEND_LINE), colours(n), styles(n), symbol_numbers(n, 0), box(n, 0);
    std::vector<PLFLT> widths(n, 2.0), symbol_scales(n, 1.0), box_scales(n, 0.0), box_widths(n, 0.0);
    std::vector<std::string> names;
    std::vector<PLCHAR_VECTOR> texts, symbols(n, "");
    for (PLINT i = 0; i < n; ++i) {
      colours[i] = kFirstLineColour + i % kLineColours;
      styles[i] = 1 + (i / kLineColours) % 8;  // dashes once the colours repeat
      names.push_back(escape_text(series[i].name));
    }
    for (const auto& name : names) texts.push_back(name.c_str());
    for (PLINT i = 0; i < n; ++i) {
      plcol0(colours[i]);
      pllsty(styles[i]);
      plwidth(widths[i]);
      for (auto& [xs, ys] : lines[i]) {
        if (xs.size() == 1) {
          plpoin(1, xs.data(), ys.data(), 4);  // a lone point would not show as a line
        } else {
          plline(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
        }
      }
    }
    pllsty(1);
    plwidth(1.0);
    plcol0(1);
    PLFLT legend_width = 0, legend_height = 0;
    std::vector<PLINT> text_colours(n, 1);
    pllegend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_RIGHT | PL_POSITION_OUTSIDE, /*x=*/0.02, /*y=*/0.0,
             /*plot_width=*/0.06, /*bg_color=*/0, /*bb_color=*/1, /*bb_style=*/1, /*nrow=*/0, /*ncolumn=*/0, n,
             opts.data(), /*text_offset=*/1.0, /*text_scale=*/0.75, /*text_spacing=*/2.0,
             /*text_justification=*/0.0, text_colours.data(), texts.data(), box.data(), box.data(),
             box_scales.data(), box_widths.data(), colours.data(), styles.data(), widths.data(), box.data(),
             symbol_scales.data(), symbol_numbers.data(), symbols.data());
    plend1();
  } catch (...) {
    plsstrm(previous_stream);
    throw;
  }
  plsstrm(previous_stream);

  std::error_code ec;
  NST_CHECK(std::filesystem::file_size(out.temp_path(), ec) > 0 && !ec, kIo,
            "cannot write plot " + path + " (PLplot wrote nothing)");
  out.commit();
}

}  // namespace nst
