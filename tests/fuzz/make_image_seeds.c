/* Writes the tiny seed images of corpus/image/ from examples/chelsea.png (a 12x8 thumbnail in
 * every format and pixel layout decode_image handles). Not part of the build:
 *   cc tests/fuzz/make_image_seeds.c $(pkg-config --cflags --libs vips) -o /tmp/seeds &&
 *   /tmp/seeds examples/chelsea.png tests/fuzz/corpus/image */
#include <stdio.h>
#include <vips/vips.h>

int main(int argc, char** argv) {
  if (argc != 3 || VIPS_INIT(argv[0])) return 2;
  VipsImage *thumb, *rgb, *grey, *rgba, *rgb16, *alpha;
  char path[4096];
  if (vips_thumbnail(argv[1], &thumb, 12, "height", 8, NULL) || !(rgb = vips_image_copy_memory(thumb)) || vips_colourspace(rgb, &grey, VIPS_INTERPRETATION_B_W, NULL) ||
      vips_black(&alpha, 12, 8, NULL) || vips_bandjoin2(rgb, alpha, &rgba, NULL) ||
      vips_colourspace(rgb, &rgb16, VIPS_INTERPRETATION_RGB16, NULL)) {
    vips_error_exit(NULL);
  }
#define SAVE(image, name, ...)                                                   \
  snprintf(path, sizeof path, "%s/%s", argv[2], name);                           \
  if (vips_image_write_to_file(image, path, "strip", TRUE, __VA_ARGS__)) vips_error_exit(NULL);
  SAVE(rgb, "rgb.png", NULL);
  SAVE(grey, "grey.png", NULL);
  SAVE(rgba, "rgba.png", NULL);
  SAVE(rgb16, "rgb16.png", NULL);
  SAVE(rgb, "baseline.jpg", "Q", 50, NULL);
  SAVE(rgb, "progressive.jpg", "Q", 50, "interlace", TRUE, NULL);
  SAVE(grey, "grey.jpg", "Q", 50, NULL);
  SAVE(rgb, "rgb.tif", NULL);
  SAVE(rgb16, "rgb16.tif", "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE, NULL);
  SAVE(rgb, "lossy.webp", "Q", 50, NULL);
  SAVE(rgba, "lossless.webp", "lossless", TRUE, NULL);
  SAVE(rgb, "rgb.gif", NULL);
  return 0;
}
