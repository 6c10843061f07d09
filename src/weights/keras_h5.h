#pragma once
// Keras HDF5 weights (.h5): `save_weights` files such as keras-applications'
// vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5, and full `model.save` files whose weights
// sit under /model_weights. Read with the HDF5 C library from an in-memory image.
#include <cstddef>
#include <cstdint>

#include "nst/weights.h"

namespace nst::detail {

/// Parses a Keras .h5 held in memory (not copied; it must outlive the call). Both naming
/// layouts are read: Keras 2 (`weight_names` = "block1_conv1/kernel:0", "…/bias:0") and Keras 1
/// ("block1_conv1_W_1:0", "block1_conv1_b_1:0", older "block1_conv1_W:0"). Layers with a 4-D
/// kernel become `convN_M.weight` (HWIO transposed to OIHW) and `convN_M.bias`; blockN_convM
/// maps to convN_M, other names by position when there are 13 or 16 convs. Dense and pooling
/// layers are skipped. Ranks, shapes and dtypes are checked before any data is read; every
/// failure is one nst::Error(kFormat) naming the group or dataset. HDF5 is not thread-safe in
/// Debian's serial build, so calls are serialized by a mutex.
StateDict parse_keras_h5(const uint8_t* data, size_t size);

/// True when the HDF5 signature "\x89HDF\r\n\x1a\n" sits at offset 0, 512, 1024, 2048, …
/// (the superblock follows a user block of a power-of-two size).
bool has_hdf5_signature(const uint8_t* data, size_t size);

}  // namespace nst::detail
