#pragma once
#include <string>

// Process-wide performance settings for libtorch on CPU.
namespace nst {

/// Sets libtorch's intra-op threads (threads <= 0: all hardware threads, or OMP_NUM_THREADS when set)
/// and tunes glibc malloc so that large activations are reused instead of re-mapped every step
/// (measured up to 3.3x at 512 px, REFERENCE.md section 2). Returns the thread count in use.
int configure_runtime(int threads = 0);

/// True when libtorch was built with CUDA and a GPU is visible.
bool cuda_available();

/// Prepares a device for a run. On CUDA: TF32 tensor-core arithmetic for float32 convolutions and
/// matrix products when allow_tf32 (Ampere and newer; older GPUs ignore it). Nothing on the CPU.
void configure_device(const std::string& device, bool allow_tf32);

}  // namespace nst
