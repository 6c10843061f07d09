#pragma once
// The one shape the native functions take images in (nst/_images.py converts every kind to it).
#include <ATen/core/Tensor.h>
#include <c10/util/StringUtil.h>

#include <string>

#include "nst/error.h"

namespace nst::python {

/// Throws nst::Error(kUsage) unless `image` is a 1x3xHxW tensor.
inline void check_image(const at::Tensor& image, const std::string& what) {
  NST_CHECK(image.defined() && image.dim() == 4 && image.size(0) == 1 && image.size(1) == 3, kUsage,
            what + " must be a 1x3xHxW tensor, got shape " + (image.defined() ? c10::str(image.sizes()) : "none"));
}

}  // namespace nst::python
