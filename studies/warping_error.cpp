// Warping error (Lai et al. 2018) of a stylized clip, measured with a flow of the caller's choice:
// nst video reports it with the DIS flow its temporal loss was fitted to, so an evaluation with
// an independent flow (Farnebäck) checks that the gain is not the loss agreeing with its own flow.
// Usage: nst_warping_error CONTENT_DIR RESULT_DIR [dis|farneback]
//   Both folders hold frames in name order (images); RESULT frames are resized to the content's.
// Prints one line per pair "t,error" and a last line "mean,error".
#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/video.h"

namespace {
std::vector<std::string> frames(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".ppm")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: nst_warping_error CONTENT_DIR RESULT_DIR [dis|farneback]\n");
    return 2;
  }
  try {
    const std::string method_name = argc > 3 ? argv[3] : "farneback";
    NST_CHECK(method_name == "dis" || method_name == "farneback", kUsage, "flow must be dis or farneback");
    const nst::FlowMethod method = method_name == "dis" ? nst::FlowMethod::kDis : nst::FlowMethod::kFarneback;
    const auto content = frames(argv[1]), result = frames(argv[2]);
    NST_CHECK(content.size() == result.size() && content.size() >= 2, kUsage, "need the same number (>= 2) of frames");
    at::Tensor c_prev, r_prev;
    double sum = 0;
    for (size_t t = 0; t < content.size(); ++t) {
      const at::Tensor c = nst::read_image(content[t]);
      const at::Tensor r = nst::resize_image(nst::read_image(result[t]), static_cast<int>(c.size(2)), static_cast<int>(c.size(3)));
      if (t > 0) {
        const at::Tensor backward = nst::optical_flow(c, c_prev, method), forward = nst::optical_flow(c_prev, c, method);
        const double e = nst::warping_error(r, r_prev, backward, nst::reliability_mask(backward, forward));
        std::printf("%zu,%.6e\n", t + 1, e);
        sum += e;
      }
      c_prev = c;
      r_prev = r;
    }
    std::printf("mean,%.6e\n", sum / static_cast<double>(content.size() - 1));
  } catch (const nst::Error& e) {
    std::fprintf(stderr, "nst_warping_error: %s\n", e.what());
    return e.kind() == nst::ErrorKind::kUsage ? 2 : 1;
  }
  return 0;
}
