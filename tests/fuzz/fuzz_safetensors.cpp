// libFuzzer harness: nst::parse_safetensors on arbitrary bytes. nst::Error is how a bad file is
// refused; anything else (a sanitizer report, another exception, a crash) is a bug.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "nst/error.h"
#include "nst/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    std::map<std::string, std::string> metadata;
    nst::parse_safetensors(data, size, &metadata);
  } catch (const nst::Error&) {
  }
  return 0;
}
