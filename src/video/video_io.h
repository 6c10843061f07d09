#pragma once
// Reading frames (a video file, an image folder or a printf pattern) and writing a video file.
// OpenCV's videoio does the coding (through Debian's FFmpeg libraries), so no FFmpeg API code
// lives here; see video_io.cpp for why, and what it does not do (audio).
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace nst::detail {

/// Frames of an input in order, as 1x3xHxW RGB [0,1] tensors of one size.
class FrameReader {
 public:
  /// input: a video file, a folder of images (name order) or a pattern such as dir/%04d.png
  /// (numbered from 0 or 1). Every frame is resized so that its longer side is longest_side
  /// (0: kept), both sides rounded down to even numbers when `even` (video encoders need it).
  /// Throws nst::Error(kIo/kFormat) for a missing, empty or unreadable input.
  FrameReader(const std::string& input, int longest_side, bool even);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  int count() const { return count_; }  ///< exact (a video is counted by decoding it once)
  double fps() const { return fps_; }   ///< the video's frame rate; 0 for images
  int height() const { return height_; }  ///< of the frames returned
  int width() const { return width_; }
  /// Frame `index` (1-based). Forward steps are cheap; going back re-opens a video.
  at::Tensor frame(int index);

 private:
  struct Video;
  std::string input_;
  std::vector<std::string> files_;  // images; empty for a video
  std::unique_ptr<Video> video_;
  int longest_side_ = 0, count_ = 0, height_ = 0, width_ = 0, source_height_ = 0, source_width_ = 0;
  double fps_ = 0;
};

/// Writes a video file atomically (temp file, renamed at finish()). Codec from the extension:
/// H.264 ("avc1") for .mp4/.m4v/.mov/.mkv when the encoder exists (else MPEG-4 part 2, "mp4v"),
/// Motion JPEG for .avi, VP8 for .webm. Dimensions must be even.
class VideoFileWriter {
 public:
  VideoFileWriter(const std::string& path, double fps, int height, int width);
  ~VideoFileWriter();
  VideoFileWriter(const VideoFileWriter&) = delete;
  VideoFileWriter& operator=(const VideoFileWriter&) = delete;
  void write(const at::Tensor& frame);  ///< 1x3xHxW RGB [0,1] at the writer's size
  void finish();                        ///< closes and moves the file into place
  const std::string& codec() const { return codec_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string codec_;
};

}  // namespace nst::detail
