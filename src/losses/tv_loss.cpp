#include <ATen/ATen.h>

#include "nst/losses.h"

namespace nst {

at::Tensor tv_loss(const at::Tensor& image, double beta, bool wrap) {
  at::Tensor dx, dy;
  if (wrap) {
    // Every pixel against its right and lower neighbour, the last ones against the first.
    dx = at::roll(image, {-1}, {3}) - image;
    dy = at::roll(image, {-1}, {2}) - image;
  } else {
    const int64_t h = image.size(2), w = image.size(3);
    // Forward differences on the common (H-1)x(W-1) grid, so that dx and dy pair up per pixel.
    dx = image.narrow(3, 1, w - 1).narrow(2, 0, h - 1) - image.narrow(3, 0, w - 1).narrow(2, 0, h - 1);
    dy = image.narrow(2, 1, h - 1).narrow(3, 0, w - 1) - image.narrow(2, 0, h - 1).narrow(3, 0, w - 1);
  }
  at::Tensor squared = dx * dx + dy * dy;
  if (beta == 2.0) return squared.mean();
  return (squared + 1e-8).pow(beta / 2.0).mean();
}

}  // namespace nst
