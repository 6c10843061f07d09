#include "pipelines/image_parametrization.h"

#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "nst/error.h"

namespace nst::detail {
namespace {

// Lucid's color_correlation_svd_sqrt: the square root (via SVD) of the ImageNet RGB covariance.
// Row = output RGB channel, column = decorrelated channel.
constexpr double kColourSqrt[3][3] = {{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}};
// The image that all-zero coefficients give: the ImageNet mean (as the "mean" init).
constexpr double kMean[3] = {0.485, 0.456, 0.406};

// y[b, i] = Σ_j m[i, j] x[b, j]: a 3x3 colour matrix applied to every pixel.
at::Tensor mix_colours(const at::Tensor& m, const at::Tensor& x) { return at::einsum("ij,bjhw->bihw", {m, x}); }

}  // namespace

FourierParametrization::FourierParametrization(int64_t height, int64_t width, double decay,
                                               const at::TensorOptions& options)
    : height_(height), width_(width) {
  NST_CHECK(height >= 1 && width >= 1, kUsage, "the Fourier parametrization needs an image of at least 1x1 px");
  NST_CHECK(std::isfinite(decay) && decay >= 0, kUsage, "--fourier-decay must be a finite number >= 0");
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  // |f| in cycles per pixel on the rfft2 grid (rows: full fftfreq, columns: the W/2+1 non-negative).
  at::Tensor fy = at::fft_fftfreq(height, 1.0, f64).view({height, 1});
  at::Tensor fx = at::fft_rfftfreq(width, 1.0, f64).view({1, width / 2 + 1});
  at::Tensor f = (fy * fy + fx * fx).sqrt();
  // The floor 1/max(h,w) keeps DC finite (it gets the scale of the lowest frequency); √(hw) undoes
  // irfft2's 1/(hw), so a unit coefficient moves pixels by O(1) and step sizes stay pixel-like.
  scale_ = (f.clamp_min(1.0 / std::max(height, width)).pow(-decay) * std::sqrt(double(height * width))).to(options);
  at::Tensor c = at::from_blob(const_cast<double*>(&kColourSqrt[0][0]), {3, 3}, f64).clone();
  c = c / c.norm(2, {0}).max();  // largest column norm 1, as Lucid
  colour_ = c.to(options);
  colour_inverse_ = at::linalg_inv(c).to(options);
  mean_ = at::tensor({kMean[0], kMean[1], kMean[2]}, f64).view({1, 3, 1, 1}).to(options);
}

at::Tensor FourierParametrization::to_image(const at::Tensor& params) const {
  NST_CHECK(params.dim() == 5 && params.size(1) == 3 && params.size(2) == height_ &&
                params.size(3) == width_ / 2 + 1 && params.size(4) == 2,
            kUsage, "Fourier coefficients must be Nx3x" + std::to_string(height_) + "x" +
                        std::to_string(width_ / 2 + 1) + "x2");
  at::Tensor spectrum = at::view_as_complex(params.contiguous()) * scale_;
  // s = (h, w) explicitly: an odd width cannot be recovered from W/2+1 columns otherwise.
  at::Tensor decorrelated = at::fft_irfft2(spectrum, at::IntArrayRef{height_, width_}, {-2, -1});
  return mix_colours(colour_, decorrelated) + mean_;
}

at::Tensor FourierParametrization::from_image(const at::Tensor& image) const {
  NST_CHECK(image.dim() == 4 && image.size(1) == 3 && image.size(2) == height_ && image.size(3) == width_, kUsage,
            "the Fourier parametrization was made for " + std::to_string(width_) + "x" + std::to_string(height_) +
                " px images");
  at::NoGradGuard no_grad;
  at::Tensor decorrelated = mix_colours(colour_inverse_, image.to(colour_.options()) - mean_);
  return at::view_as_real(at::fft_rfft2(decorrelated, c10::nullopt, {-2, -1}) / scale_).clone();
}

std::unique_ptr<ImageParametrization> make_parametrization(Parametrization kind, int64_t height, int64_t width,
                                                           double decay, const at::TensorOptions& options) {
  switch (kind) {
    case Parametrization::kPixel: return std::make_unique<PixelParametrization>();
    case Parametrization::kFourier: return std::make_unique<FourierParametrization>(height, width, decay, options);
    case Parametrization::kAuto: break;  // resolved by the caller (resolve_parametrization)
  }
  fail(ErrorKind::kUsage, "unknown parametrization");
}

Objective through(const ImageParametrization& p, Objective image_objective) {
  if (p.is_identity()) return image_objective;
  return [&p, f = std::move(image_objective)](const at::Tensor& params, at::Tensor& grad) {
    at::AutoGradMode enable_grad(true);  // optimizers may call us under a NoGradGuard
    at::Tensor leaf = params.detach().requires_grad_(true);
    at::Tensor image = p.to_image(leaf);
    at::Tensor image_grad;
    const double value = f(image.detach(), image_grad);
    // Pull the image gradient back through the (linear) map: grad = J_to_imageᵀ · image_grad.
    grad = torch::autograd::grad({image}, {leaf}, {image_grad})[0];
    return value;
  };
}

}  // namespace nst::detail
