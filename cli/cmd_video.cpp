// `nst video`: style transfer of a video with temporal consistency (nst/video.h). Thin: flags
// into VideoOptions, one line per frame.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"
#include "nst/video.h"
#include "options.h"

namespace nst::cli {
namespace {

constexpr const char* kDefaultVideoOutput = "out.mp4";

struct VideoArgs {
  std::string input, frames, init_from, work_dir, long_term;
  std::vector<std::string> styles;
  RunFlags run;
  NetworkFlags net;
  OptimizerFlags opt;
  StyleWeightFlags weights;
  double style_scale = 1.0;
  VideoOptions video;
  bool no_warp_init = false;
};

int run(VideoArgs& a) {
  check_run_flags(a.run);
  NST_CHECK(a.run.save_every == 0, kUsage, "--save-every is not used by nst video (every frame is saved)");
  std::vector<std::string> inputs{a.input};
  inputs.insert(inputs.end(), a.styles.begin(), a.styles.end());
  check_output_path(a.run.output, inputs);

  VideoOptions v = a.video;
  v.style = style_defaults(a.net.weights);
  v.style.optimizer = to_options(a.opt, v.style.optimizer);
  apply_network_flags(a.net, v.style);
  a.weights.apply(v.style);
  v.style.iterations = a.run.iterations;
  v.style.seed = a.run.seed;
  v.size = a.run.size;
  v.warp_init = !a.no_warp_init;
  v.init_from = a.init_from;
  v.work_dir = a.work_dir;
  if (!a.frames.empty()) parse_frame_range(a.frames, v);
  for (double j : a.long_term.empty() ? std::vector<double>{} : parse_numbers(a.long_term, "--long-term")) {
    NST_CHECK(j == std::floor(j) && j >= 2 && j <= 1000, kUsage, "--long-term takes whole frame offsets in 2..1000, e.g. 2,4");
    v.long_term.push_back(static_cast<int>(j));
  }

  const int threads = configure_runtime(a.net.threads);
  VggWeights weights = a.net.load();
  std::vector<at::Tensor> styles = read_style_images(a.styles, a.run.size, a.style_scale);
  RunProgress progress(&a.run);  // the bar and --trace; frames are saved by the library
  bool started = false;
  auto frame_done = [&](const VideoFrameReport& r) {
    progress.finish();
    if (!started) {  // after the input was opened: its errors stay one line
      std::fprintf(stderr, "nst: video %s -> %s, frames %d-%d, %s, %d threads, weights %s\n", a.input.c_str(),
                   a.run.output.c_str(), r.first, r.last, a.net.device.c_str(), threads, weights.source.c_str());
      started = true;
    }
    if (r.skipped) {
      std::fprintf(stderr, "nst: frame %d/%d exists, skipped (%s)\n", r.frame, r.last, r.path.c_str());
    } else {
      char error[48] = "";
      if (r.warping_error >= 0) std::snprintf(error, sizeof error, ", warping error %.3e", r.warping_error);
      std::fprintf(stderr, "nst: frame %d/%d: %.1fs (flow %.2fs), loss %.4e (%s)%s; wrote %s\n", r.frame, r.last,
                   r.seconds, r.flow_seconds, r.result.last.loss, summarize_parts(r.result.last).c_str(), error,
                   r.path.c_str());
    }
    return !interrupted();
  };
  VideoResult result = run_video(weights, a.input, a.run.output, styles, v, progress.callback(), frame_done);
  progress.finish();
  double mean_error = 0;
  for (double e : result.warping_errors) mean_error += e / static_cast<double>(result.warping_errors.size());
  std::fprintf(stderr, "nst: %d frames stylized, %d skipped, mean warping error %.3e; %s%s%s\n", result.stylized,
               result.skipped, mean_error, result.video.empty() ? "frames in " : "wrote ",
               result.video.empty() ? result.frames_dir.c_str() : result.video.c_str(),
               result.video.empty() ? "" : (" (" + result.codec + ", no audio)").c_str());
  if (result.stop == StopReason::kAborted && interrupted()) return kExitInterrupted;
  return kExitOk;
}

}  // namespace

void add_video_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<VideoArgs>();
  const StyleOptions e;  // embedded defaults
  const VideoOptions d;
  CLI::App* cmd = app.add_subcommand(
      "video", "Video style transfer with temporal consistency (Ruder et al. 2016): optical flow, warped start, "
               "temporal loss; resumable");
  cmd->add_option("input,-i,--input", a->input, "Video file, folder of frames (name order) or pattern like dir/%04d.png")
      ->required();
  add_style_images(cmd, a->styles)->required();
  add_run_flags(cmd, a->run, d.size, e.iterations, e.seed);
  a->run.output = kDefaultVideoOutput;  // .mp4 .mkv .mov: H.264; .avi: MJPEG; else a folder of frames
  cmd->get_option("--output")->default_str(kDefaultVideoOutput);
  a->video.first_iterations = d.first_iterations;
  cmd->add_option("--first-iterations", a->video.first_iterations,
                  "Iterations of a run's first frame (no predecessor; -1: 2x --iterations)")
      ->capture_default_str();
  a->video.temporal_weight = d.temporal_weight;
  cmd->add_option("--temporal-weight", a->video.temporal_weight,
                  "Weight of the temporal loss (masked MSE to the warped previous frame; 0: per-frame)")
      ->capture_default_str();
  cmd->add_option("--long-term", a->long_term,
                  "Also keep consistent with frames t-j for these offsets, e.g. 2,4 (default: only t-1)");
  cmd->add_flag("--no-warp-init", a->no_warp_init, "Start every frame like the first, not from the warped previous result");
  a->video.mask_sigma = d.mask_sigma;
  cmd->add_option("--mask-sigma", a->video.mask_sigma, "Smoothing of the flow's reliability mask (px)")
      ->capture_default_str();
  a->video.fps = d.fps;
  cmd->add_option("--fps", a->video.fps, "Frame rate of a frame-folder input (a video keeps its own)")
      ->capture_default_str();
  cmd->add_option("--frames", a->frames, "Range to stylize: A:B, A: or A (1-based, inclusive; default all)");
  cmd->add_option("--init-from", a->init_from, "Stylized frame A-1 that a chunk --frames A:B continues from");
  cmd->add_option("--work-dir", a->work_dir,
                  "Stylized frames and flow cache (default: OUTPUT.work for a video, OUTPUT/.nst-video for frames)");
  add_optimizer_flags(cmd, a->opt, e.optimizer);
  add_style_weight_flags(cmd, a->weights);
  add_style_scale(cmd, a->style_scale);
  add_network_flags(cmd, a->net, "auto", e.device, e.precision);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
