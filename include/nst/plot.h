#pragma once
// Report graphics for comparisons and studies: loss curves (PLplot, pngcairo device) and a
// side-by-side montage of images with a caption under each (libvips).
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace nst {

/// One line of a line plot: points (x[i], y[i]) and the name shown in the legend.
struct PlotSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

/// Labels and size of a line plot.
struct LinePlotOptions {
  std::string title;
  std::string x_label = "iteration";
  std::string y_label = "loss";
  bool log_y = true;   ///< log10 y axis; points with y <= 0 or non-finite are left out
  bool log_x = false;  ///< log10 x axis (log-log plots); points with x <= 0 are left out
  int width = 960;     ///< px
  int height = 600;    ///< px
};

/// Draws one line per series with a legend and writes a PNG (atomically). Throws
/// nst::Error: kUsage for no series, a series without drawable points or a bad size;
/// kIo when the file cannot be written; kResource when PLplot's pngcairo driver is missing.
void write_line_plot(const std::vector<PlotSeries>& series, const LinePlotOptions& options,
                     const std::string& path);

/// True when PLplot can load its pngcairo driver; otherwise false and *why says what to install.
bool plot_driver_available(std::string* why = nullptr);

/// One image of a montage with the caption drawn under it.
struct MontageTile {
  std::string label;
  at::Tensor image;  ///< 1x3xHxW (or 3xHxW) RGB in [0,1]
};

/// Places the tiles left to right (wrapping after `columns`, 0 = one row) on a white background,
/// each with its label under it, and writes a PNG. Throws nst::Error(kUsage) for no tiles,
/// kIo when the file cannot be written.
void write_montage(const std::vector<MontageTile>& tiles, const std::string& path, int columns = 0);

}  // namespace nst
