// libFuzzer harness: the Keras .h5 reader on arbitrary bytes. Not run in CI: libhdf5 1.10.8
// (Debian 12) itself has use-after-free bugs on corrupt files, which ASan reports inside HDF5.
// Run it by hand (scripts/fuzz.sh 60 keras_h5); its fixtures replay under CTest like the others.
#include <cstddef>
#include <cstdint>

#include "nst/error.h"
#include "weights/keras_h5.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    nst::detail::parse_keras_h5(data, size);
  } catch (const nst::Error&) {
  }
  return 0;
}
