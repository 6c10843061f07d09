// libFuzzer harness: the Caffe NetParameter reader (protobuf wire format) on arbitrary bytes,
// and the format sniffer that runs on every unknown file. nst::Error is expected.
#include <cstddef>
#include <cstdint>

#include "nst/error.h"
#include "weights/caffemodel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nst::detail::looks_like_caffemodel(data, size);
  try {
    nst::detail::parse_caffemodel(data, size);
  } catch (const nst::Error&) {
  }
  return 0;
}
