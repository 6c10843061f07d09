#pragma once
// Image files <-> tensors. Images live in the library as float RGB tensors 1x3xHxW in [0,1].
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace nst {

/// Largest accepted image side and pixel count; beyond this a file is refused before decoding.
constexpr int kMaxImageSide = 65536;
constexpr int64_t kMaxImagePixels = int64_t{1} << 28;  // 268 Mpx

/// Header facts of an image file, read without decoding the pixels.
struct ImageInfo {
  int width = 0;
  int height = 0;
  int channels = 0;
};

/// Reads width/height/channels; throws nst::Error(kIo/kFormat) for missing or corrupt files.
ImageInfo probe_image(const std::string& path);

/// Reads a PNG/JPEG/TIFF/WebP file as 1x3xHxW float RGB in [0,1]. Applies EXIF orientation,
/// turns grey into RGB, flattens alpha onto white. When longest_side > 0 the image is resized (Lanczos3)
/// so that its longer side equals longest_side.
at::Tensor read_image(const std::string& path, int longest_side = 0);
/// The same for an encoded image held in memory (not copied; read only during the call), with
/// the same size limit checked before decoding. Throws nst::Error(kFormat).
at::Tensor decode_image(const uint8_t* data, size_t size, int longest_side = 0);

/// Writes a 1x3xHxW (or 3xHxW) RGB tensor in [0,1] (clamped) to path; the format follows the
/// extension (.png, .jpg/.jpeg, .tif/.tiff 16-bit, .webp). Written atomically: temp file + rename.
void write_image(const at::Tensor& image, const std::string& path);

/// Resizes a 1x3xHxW tensor to height x width (bicubic, antialiased when shrinking).
at::Tensor resize_image(const at::Tensor& image, int height, int width);

/// Resamples a 1x1xHxW mask in [0,1] to height x width: area averages when shrinking, bilinear
/// when enlarging (src/io/mask_io.cpp). Returns float32 in [0,1].
at::Tensor resize_mask(const at::Tensor& mask, int height, int width);

/// Reads an image file as a mask (--style-mask): its grey level (luma; white = 1) as 1x1xHxW
/// float in [0,1], resized to height x width by resize_mask. Throws nst::Error for unreadable files.
at::Tensor read_mask(const std::string& path, int height, int width);

/// Removes a uniform frame (a scan's black border, a mat) from the edges of a 1x3xHxW image:
/// from each side, lines whose pixels vary by less than `tolerance` (mean per-channel standard
/// deviation along the line) are dropped, plus `transition` more px of blurred edge when any were.
/// At most `max_fraction` of each dimension goes per side. Returns the image itself when no side
/// has such a frame. Style images need it: their frame is not their style, and a Gram matrix
/// taken over it paints a dark frame into the output (measured: docs/QUALITY.md).
at::Tensor trim_uniform_border(const at::Tensor& image, double tolerance = 0.02, int transition = 2,
                               double max_fraction = 0.125);

/// Size (height, width) whose longer side is longest_side, keeping the aspect ratio of h x w.
std::pair<int, int> fit_longest_side(int height, int width, int longest_side);

}  // namespace nst
