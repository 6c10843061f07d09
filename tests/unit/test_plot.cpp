#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/plot.h"

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nst_test_plot_" + name)).string();
}

std::vector<nst::PlotSeries> two_curves() {
  nst::PlotSeries a{"lbfgs", {}, {}}, b{"adam-0.01", {}, {}};
  for (int i = 1; i <= 50; ++i) {
    a.x.push_back(i);
    a.y.push_back(100.0 / (i * i));
    b.x.push_back(i);
    b.y.push_back(100.0 / i);
  }
  return {a, b};
}

// Expects fn to throw nst::Error of `kind` whose message contains `text`.
template <typename Fn>
void expect_error(Fn fn, nst::ErrorKind kind, const std::string& text) {
  try {
    fn();
    FAIL() << "no error; expected one containing '" << text << "'";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(Plot, DriverIsAvailable) {
  std::string why;
  EXPECT_TRUE(nst::plot_driver_available(&why)) << why;
}

TEST(Plot, WritesPngOfRequestedSizeWithInk) {
  const std::string path = temp_path("curves.png");
  nst::LinePlotOptions o;
  o.title = "test: loss vs iteration";
  o.width = 640;
  o.height = 400;
  nst::write_line_plot(two_curves(), o, path);
  const nst::ImageInfo info = nst::probe_image(path);
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 400);
  // Not a blank page: white background, black axes and coloured lines.
  const at::Tensor image = nst::read_image(path);
  const double white = image.ge(0.99).all(1).to(at::kFloat).mean().item<double>();
  EXPECT_GT(white, 0.5);
  EXPECT_LT(white, 0.99);
  const at::Tensor saturation = std::get<0>(image.max(1)) - std::get<0>(image.min(1));
  EXPECT_GT(saturation.gt(0.3).sum().item<int64_t>(), 200) << "no coloured curve pixels";
  std::filesystem::remove(path);
}

TEST(Plot, SkipsNonPositivePointsOnLogAxis) {
  // NaN and 0 cannot go on a log axis; the rest of the curve is still drawn.
  auto series = two_curves();
  series[0].y[3] = NAN;
  series[0].y[7] = 0;
  const std::string path = temp_path("gaps.png");
  nst::write_line_plot(series, {}, path);
  EXPECT_GT(std::filesystem::file_size(path), 1000u);
  std::filesystem::remove(path);
}

TEST(Plot, ErrorsAreOneClearLine) {
  nst::LinePlotOptions o;
  expect_error([&] { nst::write_line_plot({}, o, temp_path("none.png")); }, nst::ErrorKind::kUsage, "no series");
  expect_error([&] { nst::write_line_plot({{"empty", {}, {}}}, o, temp_path("empty.png")); },
               nst::ErrorKind::kUsage, "series 'empty' has no finite positive points");
  expect_error([&] { nst::write_line_plot({{"neg", {1, 2}, {-1, 0}}}, o, temp_path("neg.png")); },
               nst::ErrorKind::kUsage, "series 'neg' has no");
  expect_error([&] { nst::write_line_plot({{"odd", {1, 2}, {1}}}, o, temp_path("odd.png")); },
               nst::ErrorKind::kUsage, "has 2 x but 1 y values");
  expect_error([&] { nst::write_line_plot(two_curves(), o, "/nonexistent_nst_dir/plot.png"); },
               nst::ErrorKind::kIo, "output folder does not exist");
  expect_error([&] { nst::write_line_plot(two_curves(), o, temp_path("plot.svg")); }, nst::ErrorKind::kUsage,
               "only .png");
  o.width = 10;
  expect_error([&] { nst::write_line_plot(two_curves(), o, temp_path("tiny.png")); }, nst::ErrorKind::kUsage,
               "between 64 and 8192");
  if (::geteuid() != 0) {  // root writes anywhere
    const auto dir = std::filesystem::temp_directory_path() / "nst_test_plot_readonly";
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    expect_error([&] { nst::write_line_plot(two_curves(), {}, (dir / "p.png").string()); }, nst::ErrorKind::kIo,
                 "cannot write plot");
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    std::filesystem::remove_all(dir);
  }
}

TEST(Montage, PutsTilesSideBySideWithCaptions) {
  const at::Tensor red = at::zeros({1, 3, 40, 60});
  red[0][0].fill_(1.0);
  const at::Tensor blue = at::zeros({1, 3, 40, 60});
  blue[0][2].fill_(1.0);
  const std::string path = temp_path("montage.png");
  nst::write_montage({{"red", red}, {"blue & <b>", blue}}, path);
  const nst::ImageInfo info = nst::probe_image(path);
  EXPECT_GE(info.width, 2 * 60 + 12);
  EXPECT_GT(info.height, 40 + 8);  // room for the caption
  const at::Tensor image = nst::read_image(path);
  // Caption ink: dark grey pixels below the tiles.
  const at::Tensor below = image.narrow(2, 12 + 40, info.height - 12 - 40);
  EXPECT_GT(below.lt(0.5).all(1).sum().item<int64_t>(), 20) << "no caption text";
  std::filesystem::remove(path);

  const std::string grid = temp_path("grid.png");
  nst::write_montage({{"a", red}, {"b", blue}, {"c", red}}, grid, /*columns=*/2);
  EXPECT_GT(nst::probe_image(grid).height, 2 * 40);
  std::filesystem::remove(grid);
  expect_error([&] { nst::write_montage({}, grid); }, nst::ErrorKind::kUsage, "no images");
}

}  // namespace
