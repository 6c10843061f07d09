#pragma once
// Video style transfer with temporal consistency (Ruder, Dosovitskiy, Brox 2016, "Artistic style
// transfer for videos"): each frame starts from the previous result warped by the optical flow
// and is pulled toward it (a mask-weighted MSE) where the flow is reliable.
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "nst/network.h"
#include "nst/progress.h"
#include "nst/stylize.h"

namespace nst {

// ---- Flow, warping and the reliability mask (src/video/). Flows are 1x2xHxW float tensors
// (u, v) in px; a flow F "from a to b" satisfies a(p) ≈ b(p + F(p)).

/// The flow algorithm (both OpenCV's, on the luminance).
enum class FlowMethod {
  kDis,        ///< DIS (Kroeger et al. 2016), preset medium: what nst video uses
  kFarneback,  ///< Farnebäck 2003 polynomial expansion: an independent second opinion for evaluation
};
/// Dense optical flow from frame `from` to frame `to` (1x3xHxW RGB [0,1], the same size).
at::Tensor optical_flow(const at::Tensor& from, const at::Tensor& to, FlowMethod method = FlowMethod::kDis);

/// image sampled at p + flow(p) (bilinear; beyond the border the nearest edge pixel): an image
/// of frame b brought to frame a by the flow from a to b. image is 1xCxHxW.
at::Tensor warp(const at::Tensor& image, const at::Tensor& flow);

/// Where warping frame t−1 to frame t by `backward` (flow t → t−1) can be trusted, given
/// `forward` (flow t−1 → t): 1x1xHxW, 1 reliable, 0 not. Ruder et al.'s rules: unreliable where
/// the flows disagree, |w + w'|² ≥ 0.01(|w|² + |w'|²) + 0.5 with w = backward(p) and
/// w' = forward(p + w) (disocclusion), where |∇u|² + |∇v|² ≥ 0.01|w|² + 0.002 (motion
/// boundary), or where p + w leaves the frame. sigma > 0 then blurs the mask by a Gaussian (px).
at::Tensor reliability_mask(const at::Tensor& backward, const at::Tensor& forward, double sigma = 0);

/// Warping error of Lai et al. 2018 between consecutive results: Σ M(p) ‖current(p) −
/// warp(previous, backward)(p)‖² / Σ M(p), the squared norm summed over RGB in [0,1].
double warping_error(const at::Tensor& current, const at::Tensor& previous, const at::Tensor& backward,
                     const at::Tensor& mask);

// ---- The video run (src/pipelines/video.cpp).

/// Every setting of `nst video`; defaults live here once.
struct VideoOptions {
  StyleOptions style;              ///< per frame; style.iterations for every frame after the first
  int first_iterations = -1;       ///< the first frame of a run, which has no predecessor; -1 = 2x style.iterations
  /// Weight of the temporal term (mean over pixels of mask·(x − warped previous result)²; 0 = per-frame
  /// stylization). Measured in docs/VIDEO.md: warping error against style loss.
  double temporal_weight = 200.0;
  bool warp_init = true;           ///< start each frame from the warped previous result (else style.init)
  /// Long-term consistency: also pull toward the results of frames t−j for these j (e.g. {2, 4}),
  /// each pixel toward the closest earlier frame whose flow is reliable there (Ruder et al. eq. 8).
  std::vector<int> long_term;
  double mask_sigma = 1.0;         ///< Gaussian smoothing of the reliability mask for the loss (px)
  int size = 512;                  ///< longest side the frames are resized to (px)
  double fps = 25.0;               ///< frame rate of a frame-folder input (a video file's own is kept)
  int first_frame = 1;             ///< first frame to stylize (1-based)
  int last_frame = 0;              ///< last frame to stylize, inclusive; 0 = the input's last
  std::string init_from;           ///< a stylized frame first_frame−1 to continue from (a chunk's start)
  std::string work_dir;            ///< stylized frames and the flow cache; "" = OUTPUT.work (video) or OUTPUT/.nst-video
};

/// "A:B", "A:" or "A" (1-based, inclusive) into first_frame/last_frame; throws nst::Error(kUsage).
void parse_frame_range(const std::string& text, VideoOptions& options);

/// After each frame of a run.
struct VideoFrameReport {
  int frame = 0;                 ///< 1-based
  int first = 0, last = 0;       ///< the run's range
  bool skipped = false;          ///< its output existed already (resume)
  std::string path;              ///< the stylized frame's file
  double seconds = 0;            ///< wall time of this frame, flow included
  double flow_seconds = 0;       ///< of which optical flow and mask (0 when cached)
  double warping_error = -1;     ///< against the previous stylized frame (−1: none)
  StyleResult result;            ///< the optimization's result (empty image when skipped)
};
/// Return false to stop after this frame.
using FrameCallback = std::function<bool(const VideoFrameReport&)>;

/// What a run did.
struct VideoResult {
  int frames = 0;                ///< frames in the input
  int stylized = 0, skipped = 0; ///< in this run
  double fps = 0;                ///< the output's frame rate
  std::string frames_dir;        ///< where the stylized frames are (frame_000001.png, ...)
  std::string video;             ///< the video written ("" when frames only, or frames still missing)
  std::string codec;             ///< its codec (FourCC), e.g. "avc1"
  StopReason stop = StopReason::kIterations;
  std::vector<double> warping_errors;  ///< per stylized frame with a predecessor, in order
};

/// Is this path a video file (by extension: .mp4 .m4v .mkv .mov .avi .webm)?
bool is_video_path(const std::string& path);

/// Stylizes `input` (a video file, a folder of images in name order, or a printf pattern such as
/// frames/%04d.png) into `output` (a video file, or a folder of frame_NNNNNN.png). Frames are
/// written as they finish; frames whose output exists are skipped (resume); a video output is
/// assembled when all its frames exist. styles: 1x3xHxW RGB [0,1]. Throws nst::Error.
VideoResult run_video(const VggWeights& weights, const std::string& input, const std::string& output,
                      const std::vector<at::Tensor>& styles, const VideoOptions& options,
                      const ProgressCallback& iteration_progress = nullptr, const FrameCallback& frame_done = nullptr);

}  // namespace nst
