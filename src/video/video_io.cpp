// Video input and output through OpenCV's videoio (Debian's libopencv-videoio, whose backend is
// Debian's FFmpeg: libavformat/libavcodec with libx264). Why not the FFmpeg API directly: the
// flow already needs OpenCV, and videoio gives decode, colour conversion and H.264 encode in a
// few calls, where demux/decode/swscale/encode/mux by hand is several hundred lines to get
// right. What it costs: VideoWriter writes video only, so a source's audio is not copied
// (a libavformat remux of the audio stream would add it).
#include "video/video_io.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <tuple>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "io/atomic_file.h"
#include "nst/error.h"
#include "nst/image.h"

namespace nst::detail {
namespace fs = std::filesystem;
namespace {

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* e : {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}) {
    if (ext == e) return true;
  }
  return false;
}

std::string format_index(const std::string& pattern, int i) {
  char buffer[4096];
  std::snprintf(buffer, sizeof buffer, pattern.c_str(), i);
  return buffer;
}

// OpenCV logs codec fallbacks, and FFmpeg its demuxer errors ("moov atom not found"), to
// stderr themselves; the library reports through its errors and results instead. OpenCV's
// FFmpeg backend reads OPENCV_FFMPEG_LOGLEVEL when it first opens a file (-8: AV_LOG_QUIET);
// a value the user set wins.
void quiet_opencv() {
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);
}

at::Tensor mat_to_tensor(const cv::Mat& bgr, int height, int width) {
  cv::Mat sized = bgr;
  if (bgr.rows != height || bgr.cols != width) {
    const bool shrink = height < bgr.rows || width < bgr.cols;
    cv::resize(bgr, sized, cv::Size(width, height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_CUBIC);
  }
  cv::Mat rgb;
  cv::cvtColor(sized, rgb, cv::COLOR_BGR2RGB);
  at::Tensor hwc = at::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, at::kByte).clone();
  return hwc.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat).div_(255.0).contiguous();
}

}  // namespace

struct FrameReader::Video {
  cv::VideoCapture capture;
  int position = 0;  // frames read so far
};

FrameReader::FrameReader(const std::string& input, int longest_side, bool even) : input_(input), longest_side_(longest_side) {
  quiet_opencv();
  std::error_code ec;
  if (input.find('%') != std::string::npos) {
    const int start = fs::exists(format_index(input, 0), ec) ? 0 : 1;
    for (int i = start; fs::exists(format_index(input, i), ec); ++i) files_.push_back(format_index(input, i));
    NST_CHECK(!files_.empty(), kIo, "no frames match the pattern " + input);
  } else if (fs::is_directory(input, ec)) {
    for (const auto& entry : fs::directory_iterator(input, ec)) {
      if (entry.is_regular_file() && is_image_file(entry.path())) files_.push_back(entry.path().string());
    }
    std::sort(files_.begin(), files_.end());
    NST_CHECK(!files_.empty(), kIo, "no image files in folder " + input);
  } else {
    NST_CHECK(fs::exists(input, ec), kIo, "input not found: " + input);
    video_ = std::make_unique<Video>();
    NST_CHECK(video_->capture.open(input, cv::CAP_FFMPEG), kFormat, "cannot open video " + input);
    fps_ = video_->capture.get(cv::CAP_PROP_FPS);
    source_width_ = static_cast<int>(video_->capture.get(cv::CAP_PROP_FRAME_WIDTH));
    source_height_ = static_cast<int>(video_->capture.get(cv::CAP_PROP_FRAME_HEIGHT));
    // The container's frame count can be an estimate: count by decoding (grab() skips the colour conversion).
    while (video_->capture.grab()) ++count_;
    NST_CHECK(count_ > 0 && source_width_ > 0 && source_height_ > 0, kFormat, "no decodable frames in video " + input);
    video_->capture.release();
    video_->position = -1;  // re-open at the first read
  }
  if (!video_) {
    count_ = static_cast<int>(files_.size());
    const ImageInfo info = probe_image(files_.front());
    source_height_ = info.height;
    source_width_ = info.width;
  }
  std::tie(height_, width_) = longest_side > 0 ? fit_longest_side(source_height_, source_width_, longest_side)
                                               : std::make_pair(source_height_, source_width_);
  if (even) height_ = std::max(2, height_ / 2 * 2), width_ = std::max(2, width_ / 2 * 2);
}

FrameReader::~FrameReader() = default;

at::Tensor FrameReader::frame(int index) {
  NST_CHECK(index >= 1 && index <= count_, kUsage,
            "frame " + std::to_string(index) + " is outside 1.." + std::to_string(count_) + " of " + input_);
  if (!video_) {
    const std::string& path = files_[static_cast<size_t>(index - 1)];
    const ImageInfo info = probe_image(path);
    NST_CHECK(info.height == source_height_ && info.width == source_width_, kFormat,
              "frame " + path + " is " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                  " px, the first frame " + std::to_string(source_width_) + "x" + std::to_string(source_height_));
    return resize_image(read_image(path, longest_side_), height_, width_).contiguous();  // Lanczos, then the exact size
  }
  if (video_->position < 0 || index <= video_->position) {
    video_->capture.release();
    NST_CHECK(video_->capture.open(input_, cv::CAP_FFMPEG), kFormat, "cannot re-open video " + input_);
    video_->position = 0;
  }
  while (video_->position < index - 1) {
    NST_CHECK(video_->capture.grab(), kFormat, "video " + input_ + " ended before frame " + std::to_string(index));
    ++video_->position;
  }
  cv::Mat bgr;
  NST_CHECK(video_->capture.read(bgr) && !bgr.empty(), kFormat,
            "cannot decode frame " + std::to_string(index) + " of " + input_);
  ++video_->position;
  if (bgr.channels() == 1) cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
  return mat_to_tensor(bgr, height_, width_);
}

struct VideoFileWriter::Impl {
  AtomicFile file;
  cv::VideoWriter writer;
  int height, width;
  explicit Impl(const std::string& path, int h, int w) : file(path), height(h), width(w) {}
};

VideoFileWriter::VideoFileWriter(const std::string& path, double fps, int height, int width)
    : impl_(std::make_unique<Impl>(path, height, width)) {
  quiet_opencv();
  NST_CHECK(height % 2 == 0 && width % 2 == 0, kUsage, "video frames need even dimensions");
  NST_CHECK(fps > 0 && fps < 1000, kUsage, "video frame rate must be in (0, 1000)");
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> codecs{"avc1", "mp4v"};
  if (ext == ".avi") codecs = {"MJPG"};
  if (ext == ".webm") codecs = {"VP80"};
  for (const std::string& c : codecs) {
    const int fourcc = cv::VideoWriter::fourcc(c[0], c[1], c[2], c[3]);
    if (impl_->writer.open(impl_->file.temp_path(), cv::CAP_FFMPEG, fourcc, fps, cv::Size(width, height))) {
      codec_ = c;
      return;
    }
  }
  fail(ErrorKind::kIo, "cannot open a video encoder for " + path + " (tried " + codecs.front() + ")");
}

VideoFileWriter::~VideoFileWriter() = default;

void VideoFileWriter::write(const at::Tensor& frame) {
  NST_CHECK(frame.dim() == 4 && frame.size(1) == 3 && frame.size(2) == impl_->height && frame.size(3) == impl_->width,
            kUsage, "video frame of the wrong size");
  at::Tensor hwc = frame[0].to(at::kCPU, at::kFloat).clamp(0, 1).mul(255.0).round().to(at::kByte).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(impl_->height, impl_->width, CV_8UC3, hwc.data_ptr()), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  impl_->writer.write(bgr);
}

void VideoFileWriter::finish() {
  impl_->writer.release();
  impl_->file.commit();
}

}  // namespace nst::detail
