#pragma once
// How the optimizer's variables map to the image. Pixel: they are the image. Fourier (Olah et al.
// 2017, Lucid's fft_image + _linear_decorrelate_color): they are the real-FFT coefficients of a
// colour-decorrelated image,
//   x = mean + C · irfft2(S ⊙ coeffs),   S(f) = √(hw) / max(f, 1/max(h,w))^decay,
// C the square root of the ImageNet colour covariance scaled to largest column norm 1. The map is
// linear and invertible on images (from_image is its exact inverse), so every init works with it
// and the loss of an image does not depend on how it is parametrized; only the geometry the
// optimizer sees changes (a gradient step in coefficients is a 1/f^(2·decay)-filtered step in
// pixels, which moves the low frequencies that pixel-space L-BFGS leaves behind).
#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>

#include "nst/invert.h"
#include "nst/optim.h"

namespace nst::detail {

/// A differentiable, invertible map params → image (1x3xHxW RGB, nominally [0,1], unbounded).
class ImageParametrization {
 public:
  virtual ~ImageParametrization() = default;
  /// The image of params; differentiable (autograd) w.r.t. params.
  virtual at::Tensor to_image(const at::Tensor& params) const = 0;
  /// Params whose image is `image` (1x3xHxW, the size given at construction), to float precision.
  virtual at::Tensor from_image(const at::Tensor& image) const = 0;
  /// "pixel" | "fourier".
  virtual std::string name() const = 0;
  /// True when to_image is the identity (params are the image).
  virtual bool is_identity() const { return false; }
};

/// params = image.
class PixelParametrization final : public ImageParametrization {
 public:
  at::Tensor to_image(const at::Tensor& params) const override { return params; }
  at::Tensor from_image(const at::Tensor& image) const override { return image.clone(); }
  std::string name() const override { return "pixel"; }
  bool is_identity() const override { return true; }
};

/// params: 1x3xHx(W/2+1)x2 real (the real and imaginary parts of the rfft2 coefficients).
class FourierParametrization final : public ImageParametrization {
 public:
  /// height, width: image size in px; decay: exponent of the 1/f spectrum scale (1 = Lucid);
  /// options: dtype and device of params and image (float or double).
  FourierParametrization(int64_t height, int64_t width, double decay, const at::TensorOptions& options);
  at::Tensor to_image(const at::Tensor& params) const override;
  at::Tensor from_image(const at::Tensor& image) const override;
  std::string name() const override { return "fourier"; }
  /// S: H x (W/2+1), the scale of each coefficient.
  const at::Tensor& scale() const { return scale_; }

 private:
  int64_t height_, width_;
  at::Tensor scale_;           // H x (W/2+1)
  at::Tensor colour_;          // 3x3, C
  at::Tensor colour_inverse_;  // 3x3, C⁻¹
  at::Tensor mean_;            // 1x3x1x1
};

/// The parametrization of `kind` for images of height x width px.
std::unique_ptr<ImageParametrization> make_parametrization(Parametrization kind, int64_t height, int64_t width,
                                                           double decay, const at::TensorOptions& options);

/// f ∘ to_image: the loss of the image that params map to, and its gradient w.r.t. params
/// (the image gradient pulled back through to_image by autograd). `p` must outlive the result.
Objective through(const ImageParametrization& p, Objective image_objective);

}  // namespace nst::detail
