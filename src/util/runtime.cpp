#include "nst/runtime.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <malloc.h>

#include <cstdlib>
#include <thread>

namespace nst {

int configure_runtime(int threads) {
  // Keep freed blocks in the heap: the same activation sizes are needed every iteration, and
  // page-faulting fresh mappings each time cost up to 3.3x at 512 px. Only huge blocks (>= 256 MB:
  // untiled runs above ~1000 px, tiles of 1024 px) are mapped and returned when freed: kept in the
  // heap, the differently sized crops of a tiled run fragmented it (4096² in 1024 px tiles: peak
  // 11.9 GB resident, 10.7 GB with this threshold, 11 % slower).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_MAX, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  if (threads <= 0) {
    const char* omp = std::getenv("OMP_NUM_THREADS");
    threads = omp ? std::atoi(omp) : 0;
  }
  // libtorch picks 1 thread on these machines (cpuinfo sees 1 core, 2 hardware threads).
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  return at::get_num_threads();
}

bool cuda_available() { return at::hasCUDA(); }

void configure_device(const std::string& device, bool allow_tf32) {
  if (device.rfind("cuda", 0) != 0) return;
  at::globalContext().setAllowTF32CuDNN(allow_tf32);
  at::globalContext().setAllowTF32CuBLAS(allow_tf32);
}

}  // namespace nst
