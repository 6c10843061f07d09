// Image decode/encode through libvips: it honours EXIF orientation, reads headers without
// decoding (so huge files are refused cheaply) and resamples with Lanczos3.
#include "nst/image.h"

#include <ATen/ATen.h>
#include <vips/vips8>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <unistd.h>

#include "io/atomic_file.h"
#include "nst/error.h"

namespace nst {
namespace {

void ensure_vips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("nst") != 0) fail(ErrorKind::kResource, "cannot initialise libvips");
    vips_cache_set_max(0);  // we read each file once; caching only costs memory
    // libvips also logs decoder warnings through GLib; the exception already says what failed.
    g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
                      [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
  });
}

std::string vips_message(const vips::VError& error) {
  std::string message = error.what();
  vips_error_clear();
  // libvips errors are multi-line; the first line is the useful one.
  auto newline = message.find('\n');
  if (newline != std::string::npos) message.resize(newline);
  return message;
}

// The header's size is checked before any pixel is decoded.
vips::VImage check_size(const vips::VImage& image, const std::string& what) {
  const int64_t pixels = int64_t{image.width()} * image.height();
  if (image.width() <= 0 || image.height() <= 0 || image.width() > kMaxImageSide || image.height() > kMaxImageSide ||
      pixels > kMaxImagePixels) {
    fail(ErrorKind::kFormat, "image " + what + " is " + std::to_string(image.width()) + "x" +
                                 std::to_string(image.height()) + " px, beyond the limit of " +
                                 std::to_string(kMaxImagePixels) + " pixels");
  }
  return image;
}

vips::VImage open_checked(const std::string& path) {
  ensure_vips();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(ErrorKind::kIo, "image not found: " + path);
  if (std::filesystem::is_directory(path, ec)) fail(ErrorKind::kIo, "image path is a directory: " + path);
  if (std::filesystem::file_size(path, ec) == 0) fail(ErrorKind::kFormat, "image file is empty: " + path);
  vips::VImage image;
  try {
    image = vips::VImage::new_from_file(path.c_str(),
                                        vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail", true));
  } catch (const vips::VError& e) {
    fail(ErrorKind::kFormat, "cannot read image " + path + ": not a supported image or corrupt (" + vips_message(e) + ")");
  }
  return check_size(image, path);
}

}  // namespace

ImageInfo probe_image(const std::string& path) {
  vips::VImage image = open_checked(path);
  return {image.width(), image.height(), image.bands()};
}

std::pair<int, int> fit_longest_side(int height, int width, int longest_side) {
  if (height >= width) {
    return {longest_side, std::max(1, static_cast<int>(std::lround(double(width) * longest_side / height)))};
  }
  return {std::max(1, static_cast<int>(std::lround(double(height) * longest_side / width))), longest_side};
}

namespace {

// Decodes an opened, size-checked image; `path` names it in messages.
at::Tensor decode_opened(vips::VImage image, const std::string& path, int longest_side) {
  try {
    image = image.autorot();
    if (image.has_alpha()) {
      // Transparent pixels become white, as viewers show them (read_image's doc says so; the
      // library never prints, so there is no note).
      image = image.flatten(vips::VImage::option()->set("background", std::vector<double>{255.0}));
    }
    // Everything (grey, CMYK, 16-bit, Lab) becomes 8- or 16-bit sRGB with 3 bands.
    const bool sixteen = image.format() == VIPS_FORMAT_USHORT;
    image = image.colourspace(sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB);
    if (image.bands() > 3) image = image.extract_band(0, vips::VImage::option()->set("n", 3));
    if (image.bands() == 1) image = image.bandjoin({image, image});
    if (longest_side > 0) {
      const double scale = double(longest_side) / std::max(image.width(), image.height());
      image = image.resize(scale, vips::VImage::option()->set("kernel", VIPS_KERNEL_LANCZOS3));
    }
    const double max_value = sixteen ? 65535.0 : 255.0;
    image = image.cast(VIPS_FORMAT_FLOAT);
    size_t size = 0;
    void* memory = image.write_to_memory(&size);
    const int h = image.height(), w = image.width();
    if (size != size_t(h) * w * 3 * sizeof(float)) {
      g_free(memory);
      fail(ErrorKind::kFormat, "unexpected pixel layout decoding " + path);
    }
    at::Tensor hwc = at::from_blob(memory, {h, w, 3}, at::kFloat).clone();
    g_free(memory);
    return (hwc / max_value).clamp_(0.0, 1.0).permute({2, 0, 1}).unsqueeze(0).contiguous();
  } catch (const vips::VError& e) {
    fail(ErrorKind::kFormat, "cannot decode image " + path + " (" + vips_message(e) + ")");
  }
}

}  // namespace

at::Tensor read_image(const std::string& path, int longest_side) {
  return decode_opened(open_checked(path), path, longest_side);
}

at::Tensor decode_image(const uint8_t* data, size_t size, int longest_side) {
  ensure_vips();
  NST_CHECK(data != nullptr && size > 0, kFormat, "image buffer is empty");
  const std::string what = "buffer (" + std::to_string(size) + " bytes)";
  vips::VImage image;
  try {
    // The buffer is not copied: it is only read during this call.
    image = vips::VImage::new_from_buffer(data, size, "",
                                          vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail", true));
  } catch (const vips::VError& e) {
    fail(ErrorKind::kFormat, "cannot read image " + what + ": not a supported image or corrupt (" + vips_message(e) + ")");
  }
  return decode_opened(check_size(image, what), what, longest_side);
}

at::Tensor resize_image(const at::Tensor& image, int height, int width) {
  NST_CHECK(height > 0 && width > 0, kUsage, "resize to a non-positive size");
  if (image.size(2) == height && image.size(3) == width) return image;
  return at::upsample_bicubic2d(image, {height, width}, /*align_corners=*/false).clamp(0.0, 1.0);
}

void write_image(const at::Tensor& image, const std::string& path) {
  ensure_vips();
  at::Tensor chw = image.dim() == 4 ? image[0] : image;
  NST_CHECK(chw.dim() == 3 && chw.size(0) == 3, kUsage, "write_image expects a 3xHxW RGB tensor");
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool sixteen = ext == ".tif" || ext == ".tiff";
  if (ext != ".png" && ext != ".jpg" && ext != ".jpeg" && !sixteen && ext != ".webp") {
    fail(ErrorKind::kUsage, "unsupported output format '" + ext + "' for " + path + " (use .png, .jpg, .tif or .webp)");
  }
  const double max_value = sixteen ? 65535.0 : 255.0;
  at::Tensor hwc = (chw.detach().to(at::kCPU, at::kFloat).clamp(0.0, 1.0) * max_value)
                       .round_()
                       .permute({1, 2, 0})
                       .contiguous();
  hwc = sixteen ? hwc.to(at::kInt).to(at::kShort) : hwc.to(at::kByte);  // ushort via bit pattern below
  if (sixteen) hwc = hwc.contiguous();
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1));
  AtomicFile out(path);
  try {
    vips::VImage vimage = vips::VImage::new_from_memory(hwc.data_ptr(), hwc.nbytes(), w, h, 3,
                                                        sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
    vimage = vimage.copy(vips::VImage::option()->set(
        "interpretation", sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB));
    // The temp name keeps the real extension so libvips picks the right saver.
    vimage.write_to_file(out.temp_path().c_str(),
                         ext == ".jpg" || ext == ".jpeg" ? vips::VImage::option()->set("Q", 95) : nullptr);
  } catch (const vips::VError& e) {
    fail(ErrorKind::kIo, "cannot write image " + path + " (" + vips_message(e) + ")");
  }
  out.commit();
}

}  // namespace nst
