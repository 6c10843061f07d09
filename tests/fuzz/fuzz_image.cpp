// libFuzzer harness: nst::decode_image (libvips: PNG, JPEG, TIFF, WebP, GIF, ...) on arbitrary
// bytes, at full size and resized. nst::Error is expected; anything else is a bug.
#include <vips/vips.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "nst/error.h"
#include "nst/image.h"

// Images above this are skipped: nst accepts up to kMaxImagePixels (268 Mpx, several GB of
// floats), a legitimate size that would only trip the fuzzer's 2 GB memory limit. The header is
// read without decoding, as decode_image() does before its own (larger) limit.
constexpr int64_t kFuzzMaxPixels = int64_t{1} << 22;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("VIPS_CONCURRENCY", "1", /*overwrite=*/0);  // deterministic, and 2 cores are shared
  if (VIPS_INIT("nst-fuzz") != 0) std::abort();
  // No operation cache: a cached loader would keep pointing into a freed input buffer.
  vips_cache_set_max(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  VipsImage* header = vips_image_new_from_buffer(data, size, "", nullptr);
  vips_error_clear();
  if (!header) {  // refused by every loader: decode_image must refuse it too, with nst::Error
    try {
      nst::decode_image(data, size);
    } catch (const nst::Error&) {
    }
    return 0;
  }
  const int64_t pixels = int64_t{vips_image_get_width(header)} * vips_image_get_height(header);
  g_object_unref(header);
  if (pixels > kFuzzMaxPixels) return 0;
  try {
    nst::decode_image(data, size, /*longest_side=*/(size & 1) ? 0 : 17);
  } catch (const nst::Error&) {
  }
  return 0;
}
