// Optical flow from OpenCV's DIS (and Farnebäck's, to evaluate with a flow the run did not use) (dense inverse search; Kroeger et al. 2016): Debian ships it in
// libopencv-video, it needs no external binary, and it takes milliseconds per frame pair where
// DeepFlow (Ruder et al.'s choice) takes minutes on a CPU. OpenCV's headers stay in this file
// and in video_io.cpp (CMakeLists.txt sets their include path for these two only).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>

#include "nst/error.h"
#include "nst/video.h"

namespace nst {
namespace {

// 8-bit luminance (BT.601) of a 1x3xHxW [0,1] tensor, as DIS wants it.
cv::Mat to_gray8(const at::Tensor& image) {
  const at::Tensor rgb = image.to(at::kCPU, at::kFloat)[0];
  const at::Tensor y = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]).mul(255.0).round().clamp(0, 255);
  const at::Tensor bytes = y.to(at::kByte).contiguous();
  return cv::Mat(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC1, bytes.data_ptr()).clone();
}

}  // namespace

at::Tensor optical_flow(const at::Tensor& from, const at::Tensor& to, FlowMethod method) {
  NST_CHECK(from.defined() && to.defined() && from.dim() == 4 && from.size(1) == 3 && from.sizes().equals(to.sizes()),
            kUsage, "optical_flow expects two 1x3xHxW frames of the same size");
  const cv::Mat a = to_gray8(from), b = to_gray8(to);
  cv::Mat flow;
  cv::setNumThreads(at::get_num_threads());  // --threads holds for OpenCV's pool too
  try {
    if (method == FlowMethod::kFarneback) {
      // OpenCV's documented example settings (pyramid 0.5 x 3 levels, 15 px window, 3 iterations).
      cv::calcOpticalFlowFarneback(a, b, flow, /*pyr_scale=*/0.5, /*levels=*/3, /*winsize=*/15, /*iterations=*/3,
                                   /*poly_n=*/5, /*poly_sigma=*/1.2, /*flags=*/0);
    } else {
      cv::Ptr<cv::DISOpticalFlow> dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
      dis->calc(a, b, flow);
    }
  } catch (const cv::Exception& e) {
    fail(ErrorKind::kNumeric, std::string("optical flow failed: ") + e.what());
  }
  NST_CHECK(flow.type() == CV_32FC2 && flow.isContinuous(), kNumeric, "optical flow returned an unexpected layout");
  // HxWx2 interleaved (u, v) -> 1x2xHxW.
  at::Tensor hw2 = at::from_blob(flow.data, {flow.rows, flow.cols, 2}, at::kFloat).clone();
  return hw2.permute({2, 0, 1}).unsqueeze(0).contiguous();
}

}  // namespace nst
