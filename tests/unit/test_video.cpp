// Video: DIS flow on a known translation, warping, the reliability mask on known occlusions,
// .flo files, video file round trip, and the temporal term inside a style run.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/video.h"
#include "nst/weights.h"
#include "video/flow_file.h"
#include "video/video_io.h"

namespace {

namespace fs = std::filesystem;
const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

// Two crops of a real photo, the second's content moved by (dx, dy) px: a(p) = b(p + d).
std::pair<at::Tensor, at::Tensor> shifted_pair(int dx, int dy, int size = 96) {
  at::Tensor photo = nst::read_image(kExamples + "chelsea.png", 200);
  const int x0 = 20, y0 = 20;
  at::Tensor a = photo.narrow(2, y0, size).narrow(3, x0, size).contiguous();
  at::Tensor b = photo.narrow(2, y0 - dy, size).narrow(3, x0 - dx, size).contiguous();
  return {a, b};
}

at::Tensor constant_flow(double u, double v, int h, int w) {
  return at::stack({at::full({h, w}, u), at::full({h, w}, v)}).unsqueeze(0).to(at::kFloat);
}

at::Tensor interior(const at::Tensor& t, int border) {
  return t.narrow(2, border, t.size(2) - 2 * border).narrow(3, border, t.size(3) - 2 * border);
}

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("nst_test_video_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(Video, FlowRecoversAKnownTranslation) {
  const int dx = 3, dy = -2;
  auto [a, b] = shifted_pair(dx, dy);
  at::Tensor flow = nst::optical_flow(a, b);
  ASSERT_EQ(flow.sizes(), (at::IntArrayRef{1, 2, 96, 96}));
  at::Tensor inner = interior(flow, 8);
  const double u_error = (inner.select(1, 0) - dx).abs().mean().item<double>();
  const double v_error = (inner.select(1, 1) - dy).abs().mean().item<double>();
  EXPECT_LT(u_error, 0.5) << "mean |u - " << dx << "|";
  EXPECT_LT(v_error, 0.5) << "mean |v - " << dy << "|";
}

TEST(Video, WarpByTheTrueFlowReproducesTheFrameAndByDisNearly) {
  auto [a, b] = shifted_pair(4, 1);
  at::Tensor exact = nst::warp(b, constant_flow(4, 1, 96, 96));
  EXPECT_LT((interior(exact, 6) - interior(a, 6)).abs().max().item<double>(), 1e-5);
  at::Tensor estimated = nst::warp(b, nst::optical_flow(a, b));
  EXPECT_LT((interior(estimated, 8) - interior(a, 8)).abs().mean().item<double>(), 0.02);
  // Zero flow is the identity.
  EXPECT_TRUE(nst::warp(a, constant_flow(0, 0, 96, 96)).allclose(a, 0, 1e-4));  // float grid rounding
}

TEST(Video, MaskMarksTheStripThatCameIntoView) {
  // The camera pans: content moves by +5 px in x, so frame t's left 5 columns were not in frame t−1.
  const int h = 40, w = 50;
  at::Tensor mask = nst::reliability_mask(constant_flow(-5, 0, h, w), constant_flow(5, 0, h, w));
  EXPECT_EQ(mask.narrow(3, 0, 5).sum().item<double>(), 0.0);
  EXPECT_EQ(mask.narrow(3, 5, w - 5).min().item<double>(), 1.0);
  // The same from DIS flows on real frames: most of the strip unreliable, the rest reliable.
  auto [previous, current] = shifted_pair(5, 0);
  at::Tensor dis = nst::reliability_mask(nst::optical_flow(current, previous), nst::optical_flow(previous, current));
  EXPECT_LT(dis.narrow(3, 0, 4).mean().item<double>(), 0.25);
  EXPECT_GT(interior(dis, 10).mean().item<double>(), 0.9);
}

TEST(Video, MaskMarksWhatAMovingObjectUncovers) {
  // A 10x10 square moves 4 px right over a static background.
  const int h = 32, w = 32;
  at::Tensor backward = at::zeros({1, 2, h, w}), forward = at::zeros({1, 2, h, w});
  backward.narrow(2, 10, 10).narrow(3, 14, 10).select(1, 0).fill_(-4);  // frame t: square at x 14..23
  forward.narrow(2, 10, 10).narrow(3, 10, 10).select(1, 0).fill_(4);    // frame t−1: at x 10..19
  at::Tensor mask = nst::reliability_mask(backward, forward);
  EXPECT_EQ(mask.narrow(2, 11, 8).narrow(3, 10, 4).sum().item<double>(), 0.0);  // uncovered strip
  EXPECT_EQ(mask.narrow(2, 11, 8).narrow(3, 16, 6).min().item<double>(), 1.0);  // inside the square
  EXPECT_EQ(mask.narrow(2, 0, 8).min().item<double>(), 1.0);                    // background
  // Motion boundaries: the square's edges are unreliable too.
  EXPECT_EQ(mask[0][0][15][23].item<double>(), 0.0);
  // Smoothing keeps values in [0, 1] and softens the edges.
  at::Tensor soft = nst::reliability_mask(backward, forward, 1.0);
  EXPECT_GE(soft.min().item<double>(), 0.0);
  EXPECT_LE(soft.max().item<double>(), 1.0);
  EXPECT_GT(soft.narrow(2, 11, 8).narrow(3, 10, 4).max().item<double>(), 0.0);
}

TEST(Video, WarpingErrorIsZeroForAConsistentPairAndSeesChange) {
  auto [a, b] = shifted_pair(2, 0);
  at::Tensor flow = constant_flow(2, 0, 96, 96);
  at::Tensor mask = nst::reliability_mask(flow, constant_flow(-2, 0, 96, 96));
  EXPECT_LT(nst::warping_error(a, b, flow, mask), 1e-10);
  EXPECT_NEAR(nst::warping_error((a + 0.1).clamp(0, 1), b, flow, mask),
              (mask * (((a + 0.1).clamp(0, 1) - a).pow(2).sum(1, true))).sum().item<double>() / mask.sum().item<double>(),
              1e-6);
}

TEST(Video, FloFilesRoundTripAndRefuseTruncation) {
  fs::path dir = temp_dir("flo");
  at::Tensor flow = at::randn({1, 2, 7, 9});
  nst::detail::write_flo(flow, (dir / "a.flo").string());
  EXPECT_TRUE(nst::detail::read_flo((dir / "a.flo").string()).equal(flow));
  fs::resize_file(dir / "a.flo", 40);
  EXPECT_THROW(nst::detail::read_flo((dir / "a.flo").string()), nst::Error);
  std::ofstream(dir / "b.flo") << "not a flow file at all";
  EXPECT_THROW(nst::detail::read_flo((dir / "b.flo").string()), nst::Error);
  fs::remove_all(dir);
}

TEST(Video, VideoFileRoundTrip) {
  fs::path dir = temp_dir("mp4");
  const std::string path = (dir / "clip.mp4").string();
  std::vector<at::Tensor> frames;
  for (int t = 0; t < 5; ++t) frames.push_back(shifted_pair(t, 0, 48).first.roll(2 * t, 3).contiguous());
  {
    nst::detail::VideoFileWriter writer(path, 12.0, 48, 48);
    for (const auto& f : frames) writer.write(f);
    writer.finish();
    EXPECT_FALSE(writer.codec().empty());
  }
  nst::detail::FrameReader reader(path, 0, true);
  ASSERT_EQ(reader.count(), 5);
  EXPECT_NEAR(reader.fps(), 12.0, 1e-6);
  EXPECT_EQ(reader.height(), 48);
  for (int t : {1, 4, 2}) {  // backwards too (re-opens)
    at::Tensor f = reader.frame(t);
    EXPECT_LT((f - frames[static_cast<size_t>(t - 1)]).pow(2).mean().item<double>(), 2e-3) << "frame " << t;
  }
  EXPECT_THROW(reader.frame(6), nst::Error);
  fs::remove_all(dir);
}

TEST(Video, FrameRangesParse) {
  nst::VideoOptions o;
  nst::parse_frame_range("3:7", o);
  EXPECT_EQ(o.first_frame, 3);
  EXPECT_EQ(o.last_frame, 7);
  nst::parse_frame_range("5:", o);
  EXPECT_EQ(o.last_frame, 0);
  nst::parse_frame_range("4", o);
  EXPECT_EQ(o.last_frame, 4);
  for (const char* bad : {"0:3", "5:2", ":4", "a:b", "3:x", ""}) EXPECT_THROW(nst::parse_frame_range(bad, o), nst::Error) << bad;
}

TEST(Video, TemporalTermPullsTheImageTowardTheTargetWhereTrusted) {
  // Only the temporal term: the masked half converges to the target, the other half keeps its start.
  static const nst::VggWeights weights = nst::make_embedded_vgg();
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 48);
  at::Tensor target = at::full_like(content, 0.8);
  at::Tensor mask = at::zeros({1, 1, content.size(2), content.size(3)});
  mask.narrow(3, 0, content.size(3) / 2).fill_(1);
  nst::StyleOptions o;
  o.content_weight = 0;
  o.style_weight = 0;
  o.tv_weight = 0;
  o.iterations = 20;
  o.temporal.push_back({target, mask, 1.0});
  nst::StyleResult r = nst::run_style(weights, content, {}, o);
  const int64_t half = content.size(3) / 2;
  EXPECT_LT((r.image.narrow(3, 0, half) - 0.8).abs().max().item<double>(), 1e-3);
  EXPECT_TRUE(r.image.narrow(3, half, half).allclose(content.narrow(3, half, half), 0, 1e-6));
  EXPECT_TRUE(r.last.parts.count("temporal"));
}

}  // namespace
