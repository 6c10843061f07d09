// libFuzzer harness: nst::parse_torch_checkpoint (zip container and legacy stream, both through
// the pickle machine) on arbitrary bytes. nst::Error is expected; anything else is a bug.
#include <cstddef>
#include <cstdint>

#include "nst/error.h"
#include "nst/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    nst::parse_torch_checkpoint(data, size);
  } catch (const nst::Error&) {
  }
  return 0;
}
