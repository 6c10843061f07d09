// Side-by-side images with captions through libvips: arrayjoin for the grid, the text operator
// (Pango) for the captions, so names render in a real font at any length.
#include <ATen/ATen.h>
#include <vips/vips8>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "nst/error.h"
#include "nst/plot.h"

namespace nst {
namespace {

constexpr int kGap = 12;          // px between tiles and around the montage
constexpr int kCaptionDpi = 96;   // "sans 12" at 96 dpi: 16 px text, legible under a 128 px tile
constexpr int kMinCaptionWidth = 128;  // px: set-up names like "lbfgs-blur" stay on one line under small tiles

void ensure_vips_ready() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("nst") != 0) fail(ErrorKind::kResource, "cannot initialise libvips");
  });
}

std::string first_line(const vips::VError& e) {
  std::string message = e.what();
  vips_error_clear();
  const auto newline = message.find('\n');
  if (newline != std::string::npos) message.resize(newline);
  return message;
}

vips::VImage to_vips(const at::Tensor& image) {
  const at::Tensor chw = image.dim() == 4 ? image[0] : image;
  NST_CHECK(chw.dim() == 3 && chw.size(0) == 3 && chw.size(1) > 0 && chw.size(2) > 0, kUsage,
            "montage: each image must be a 3xHxW RGB tensor");
  const at::Tensor hwc =
      (chw.detach().to(at::kCPU, at::kFloat).clamp(0.0, 1.0) * 255.0).round_().to(at::kByte).permute({1, 2, 0}).contiguous();
  // new_from_memory only borrows the buffer (and copy_memory() of a memory image is a no-op):
  // the C API's copying constructor gives the image its own pixels.
  VipsImage* copy = vips_image_new_from_memory_copy(hwc.data_ptr(), hwc.nbytes(), static_cast<int>(hwc.size(1)),
                                                    static_cast<int>(hwc.size(0)), 3, VIPS_FORMAT_UCHAR);
  if (!copy) throw vips::VError();
  return vips::VImage(copy);
}

// Black text on white, width at most `width` px (wrapped), centred in a strip `width` wide.
vips::VImage caption(const std::string& label, int width) {
  // The text operator reads Pango markup: escape the three markup characters.
  std::string markup;
  for (char c : label) {
    if (c == '&') markup += "&amp;";
    else if (c == '<') markup += "&lt;";
    else if (c == '>') markup += "&gt;";
    else markup += c;
  }
  vips::VImage mask = vips::VImage::text(markup.empty() ? " " : markup.c_str(),
                                         vips::VImage::option()
                                             ->set("font", "sans 12")
                                             ->set("width", std::max(width, kMinCaptionWidth))
                                             ->set("dpi", kCaptionDpi)
                                             ->set("align", VIPS_ALIGN_CENTRE));
  vips::VImage ink = (255 - mask).cast(VIPS_FORMAT_UCHAR);
  ink = ink.bandjoin(ink).bandjoin(ink);
  const int strip = std::max(std::max(width, kMinCaptionWidth), ink.width());
  return ink.embed((strip - ink.width()) / 2, kGap / 2, strip, ink.height() + kGap / 2,
                   vips::VImage::option()->set("extend", VIPS_EXTEND_WHITE));
}

}  // namespace

void write_montage(const std::vector<MontageTile>& tiles, const std::string& path, int columns) {
  NST_CHECK(!tiles.empty(), kUsage, "montage " + path + ": no images");
  NST_CHECK(columns >= 0, kUsage, "montage " + path + ": columns must be >= 0");
  ensure_vips_ready();
  AtomicFile out(path);
  try {
    std::vector<vips::VImage> cells;
    for (const MontageTile& tile : tiles) {
      vips::VImage image = to_vips(tile.image);
      cells.push_back(image.join(caption(tile.label, image.width()), VIPS_DIRECTION_VERTICAL,
                                 vips::VImage::option()
                                     ->set("expand", true)
                                     ->set("align", VIPS_ALIGN_CENTRE)
                                     ->set("background", std::vector<double>{255, 255, 255})));
    }
    const int across = columns == 0 ? static_cast<int>(cells.size()) : std::min<int>(columns, cells.size());
    vips::VImage grid = vips::VImage::arrayjoin(cells, vips::VImage::option()
                                                           ->set("across", across)
                                                           ->set("shim", kGap)
                                                           ->set("halign", VIPS_ALIGN_CENTRE)
                                                           ->set("background", std::vector<double>{255, 255, 255}));
    grid = grid.embed(kGap, kGap, grid.width() + 2 * kGap, grid.height() + 2 * kGap,
                      vips::VImage::option()->set("extend", VIPS_EXTEND_WHITE));
    grid = grid.copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    grid.write_to_file(out.temp_path().c_str());
  } catch (const vips::VError& e) {
    fail(ErrorKind::kIo, "cannot write montage " + path + " (" + first_line(e) + ")");
  }
  out.commit();
}

}  // namespace nst
