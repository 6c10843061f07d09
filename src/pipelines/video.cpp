// The video run: frames in order, each stylized by run_style with a temporal term toward the
// previous result warped by the optical flow (Ruder et al. 2016), written as it finishes. The
// stylized frames on disk are the run's state: a frame whose file exists is done, so an
// interrupted run or a later chunk (--frames) picks up where the files end.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/video.h"
#include "video/flow_file.h"
#include "video/video_io.h"

namespace nst {
namespace fs = std::filesystem;
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string numbered(const fs::path& folder, const char* stem, int index, const char* ext) {
  char name[64];
  std::snprintf(name, sizeof name, "%s_%06d%s", stem, index, ext);
  return (folder / name).string();
}

void check_video_options(const VideoOptions& o, size_t style_count) {
  check_style_options(o.style, style_count);
  NST_CHECK(o.style.temporal.empty(), kUsage, "the video run makes its own temporal targets");
  NST_CHECK(o.first_iterations >= -1 && o.first_iterations <= 10'000'000, kUsage,
            "--first-iterations must be -1 (2x --iterations) or between 0 and 1e7");
  NST_CHECK(std::isfinite(o.temporal_weight) && o.temporal_weight >= 0, kUsage, "--temporal-weight must be >= 0");
  NST_CHECK(std::isfinite(o.mask_sigma) && o.mask_sigma >= 0 && o.mask_sigma <= 100, kUsage,
            "--mask-sigma must be in [0, 100] px");
  NST_CHECK(o.size >= 16 && o.size <= kMaxImageSide, kUsage, "--size must be between 16 and " + std::to_string(kMaxImageSide));
  NST_CHECK(std::isfinite(o.fps) && o.fps > 0 && o.fps < 1000, kUsage, "--fps must be in (0, 1000)");
  NST_CHECK(o.first_frame >= 1 && o.last_frame >= 0 && (o.last_frame == 0 || o.last_frame >= o.first_frame), kUsage,
            "--frames must be A:B with 1 <= A <= B");
  for (int j : o.long_term) NST_CHECK(j >= 2 && j <= 1000, kUsage, "--long-term offsets must be between 2 and 1000 frames");
}

// Flows between frames t and t−j (backward t → t−j, forward t−j → t), from the cache folder or
// computed and stored there. The folder is per frame size; a key file ties it to one input.
class FlowCache {
 public:
  FlowCache(const fs::path& folder, const std::string& input) : folder_(folder) {
    std::error_code ec;
    fs::create_directories(folder_, ec);
    NST_CHECK(fs::is_directory(folder_, ec), kIo, "cannot create the flow cache folder " + folder_.string());
    const fs::path key = folder_ / "input.txt";
    const std::string id = fs::weakly_canonical(input).string();
    std::ifstream in(key);
    std::string recorded;
    if (in && std::getline(in, recorded)) {
      NST_CHECK(recorded == id, kUsage,
                "the work folder " + folder_.parent_path().parent_path().string() + " holds the flows of another input (" +
                    recorded + "); remove it or pass another --work-dir");
    } else {
      std::ofstream(key) << id << "\n";
    }
  }
  // Returns {backward, forward}; `seconds` gets the time spent computing (0 when cached).
  std::pair<at::Tensor, at::Tensor> get(int t, int j, const std::function<at::Tensor(int)>& content,
                                        double& seconds) {
    const std::string ext = j == 1 ? ".flo" : "_" + std::to_string(j) + ".flo";
    const std::string b = numbered(folder_, "backward", t, ext.c_str()), f = numbered(folder_, "forward", t, ext.c_str());
    std::error_code ec;
    if (fs::exists(b, ec) && fs::exists(f, ec)) return {detail::read_flo(b), detail::read_flo(f)};
    const auto start = std::chrono::steady_clock::now();
    const at::Tensor previous = content(t - j), current = content(t);
    at::Tensor backward = optical_flow(current, previous), forward = optical_flow(previous, current);
    seconds += seconds_since(start);
    detail::write_flo(backward, b);
    detail::write_flo(forward, f);
    return {backward, forward};
  }

 private:
  fs::path folder_;
};

}  // namespace

bool is_video_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  for (const char* e : {".mp4", ".m4v", ".mkv", ".mov", ".avi", ".webm"}) {
    if (ext == e) return true;
  }
  return false;
}

void parse_frame_range(const std::string& text, VideoOptions& options) {
  const std::string message = "--frames must be A:B, A: or A (1-based, inclusive, A <= B), got '" + text + "'";
  const size_t colon = text.find(':');
  auto number = [&](const std::string& s) {
    NST_CHECK(!s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos, kUsage, message);
    return std::stoi(s);
  };
  options.first_frame = number(text.substr(0, colon));
  options.last_frame = colon == std::string::npos ? options.first_frame
                       : colon + 1 == text.size() ? 0
                                                  : number(text.substr(colon + 1));
  NST_CHECK(options.first_frame >= 1 && (options.last_frame == 0 || options.last_frame >= options.first_frame), kUsage,
            message);
}

VideoResult run_video(const VggWeights& weights, const std::string& input, const std::string& output,
                      const std::vector<at::Tensor>& styles, const VideoOptions& options,
                      const ProgressCallback& iteration_progress, const FrameCallback& frame_done) {
  check_video_options(options, styles.size());
  const bool to_video = is_video_path(output);
  detail::FrameReader reader(input, options.size, /*even=*/to_video);
  const int height = reader.height(), width = reader.width();
  const int last = options.last_frame > 0 ? options.last_frame : reader.count();
  NST_CHECK(last <= reader.count(), kUsage,
            "--frames ends at " + std::to_string(last) + " but " + input + " has " + std::to_string(reader.count()) + " frames");
  NST_CHECK(options.first_frame <= last, kUsage,
            "--frames starts at " + std::to_string(options.first_frame) + " but " + input + " has " + std::to_string(last) + " frames");
  check_style_image_sizes(weights, options.style, at::empty({1, 3, height, width}), styles);

  VideoResult result;
  result.frames = reader.count();
  result.fps = reader.fps() > 0 ? reader.fps() : options.fps;
  const fs::path work = !options.work_dir.empty() ? fs::path(options.work_dir)
                        : to_video                ? fs::path(output + ".work")
                                                  : fs::path(output) / ".nst-video";
  const fs::path frames_dir = to_video ? work / "frames" : fs::path(output);
  std::error_code ec;
  fs::create_directories(frames_dir, ec);
  NST_CHECK(fs::is_directory(frames_dir, ec), kIo, "cannot create the frames folder " + frames_dir.string());
  result.frames_dir = frames_dir.string();
  FlowCache flows(work / "flow" / (std::to_string(width) + "x" + std::to_string(height)), input);
  auto frame_path = [&](int t) { return numbered(frames_dir, "frame", t, ".png"); };

  // Temporal targets: the previous frame, then the long-term ones (closest first).
  std::vector<int> offsets{1};
  for (int j : options.long_term) {
    if (std::find(offsets.begin(), offsets.end(), j) == offsets.end()) offsets.push_back(j);
  }
  std::sort(offsets.begin(), offsets.end());
  // The last content frames read: frame t's flows need t−j ... t, read in that order (a video
  // decodes forward; going back re-opens it).
  std::map<int, at::Tensor> recent;
  auto content = [&](int t) {
    auto it = recent.find(t);
    if (it != recent.end()) return it->second;
    if (recent.size() > static_cast<size_t>(offsets.back())) recent.erase(recent.begin());
    return recent[t] = reader.frame(t);
  };
  auto load_result = [&](const std::string& path) { return resize_image(read_image(path), height, width).contiguous(); };
  const int first_iterations = options.first_iterations >= 0 ? options.first_iterations : 2 * options.style.iterations;

  for (int t = options.first_frame; t <= last; ++t) {
    VideoFrameReport report;
    report.frame = t;
    report.first = options.first_frame;
    report.last = last;
    report.path = frame_path(t);
    const auto start = std::chrono::steady_clock::now();
    if (fs::exists(report.path, ec)) {  // done by an earlier run
      report.skipped = true;
      ++result.skipped;
      if (frame_done && !frame_done(report)) {
        result.stop = StopReason::kAborted;
        break;
      }
      continue;
    }
    // The previous result: this run's or an earlier one's file, or --init-from at a chunk's start.
    at::Tensor previous;
    if (t == options.first_frame && !options.init_from.empty()) {
      previous = load_result(options.init_from);
    } else if (t > 1 && fs::exists(frame_path(t - 1), ec)) {
      previous = load_result(frame_path(t - 1));
    }
    StyleOptions o = options.style;
    o.iterations = first_iterations;
    at::Tensor backward, hard_mask;
    if (previous.defined() && t > 1) {
      // Flows first, farthest frame first (forward decoding); then the masks, closest first.
      std::vector<std::pair<int, std::pair<at::Tensor, at::Tensor>>> pairs;
      for (auto j = offsets.rbegin(); j != offsets.rend(); ++j) {
        if (*j == 1 || (t - *j >= 1 && fs::exists(frame_path(t - *j), ec))) {
          pairs.emplace_back(*j, flows.get(t, *j, content, report.flow_seconds));
        }
      }
      std::reverse(pairs.begin(), pairs.end());
      const auto mask_start = std::chrono::steady_clock::now();
      at::Tensor covered;  // Σ of the closer frames' masks (Ruder et al.'s long-term rule)
      for (const auto& [j, flow] : pairs) {
        const auto& [b, forward] = flow;
        at::Tensor mask = reliability_mask(b, forward, options.mask_sigma);
        const at::Tensor earlier = j == 1 ? previous : load_result(frame_path(t - j));
        const at::Tensor warped = warp(earlier, b);
        if (j == 1) {
          backward = b;
          hard_mask = options.mask_sigma > 0 ? reliability_mask(b, forward) : mask;
          if (options.warp_init) {  // unreliable pixels start from the content
            o.init = InitKind::kImage;
            o.init_image = mask * warped + (1 - mask) * content(t);
          }
        }
        // A pixel is pulled toward the closest earlier frame that sees it.
        const at::Tensor own = covered.defined() ? (mask - covered).clamp_min(0) : mask;
        covered = covered.defined() ? covered + mask : mask;
        if (options.temporal_weight > 0) o.temporal.push_back({warped, own, options.temporal_weight});
      }
      report.flow_seconds += seconds_since(mask_start);
      o.iterations = options.style.iterations;
    }
    report.result = run_style(weights, content(t), styles, o, iteration_progress);
    result.stop = report.result.stop;
    // A stopped frame is not finished: writing it would make a resume skip it.
    if (report.result.stop == StopReason::kAborted) break;
    write_image(report.result.image, report.path);
    ++result.stylized;
    if (backward.defined()) {
      report.warping_error = warping_error(report.result.image, previous, backward, hard_mask);
      result.warping_errors.push_back(report.warping_error);
    }
    report.seconds = seconds_since(start);
    if (frame_done && !frame_done(report)) {
      result.stop = StopReason::kAborted;
      break;
    }
  }

  if (to_video && result.stop != StopReason::kAborted) {
    for (int t = 1; t <= result.frames; ++t) {
      if (!fs::exists(frame_path(t), ec)) return result;  // another chunk still runs
    }
    detail::VideoFileWriter writer(output, result.fps, height, width);
    for (int t = 1; t <= result.frames; ++t) writer.write(load_result(frame_path(t)));
    writer.finish();
    result.video = output;
    result.codec = writer.codec();
  }
  return result;
}

}  // namespace nst
