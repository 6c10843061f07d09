// The memory model's structure: what must grow with what. Its accuracy against measured peak
// RSS is checked end to end by tests/cli/plan.sh.
#include <gtest/gtest.h>

#include "nst/error.h"
#include "nst/memory_plan.h"

namespace {

nst::MemoryPlanInput square(int side) {
  nst::MemoryPlanInput in;
  in.height = in.width = side;
  in.styles = {{side, side}};
  return in;
}

TEST(MemoryPlan, ImageTermsGrowLinearlyInPixels) {
  const auto small = nst::plan_style_memory(square(512)), big = nst::plan_style_memory(square(1024));
  for (const char* part : {"activations", "backward", "optimizer"}) {
    const double ratio = static_cast<double>(big.parts.at(part)) / small.parts.at(part);
    EXPECT_NEAR(ratio, 4.0, 0.05) << part;
  }
  EXPECT_EQ(big.parts.at("runtime"), small.parts.at("runtime"));
  EXPECT_GT(big.peak_bytes, small.peak_bytes);
}

TEST(MemoryPlan, FollowsTheSettingsThatCostMemory) {
  const uint64_t base = nst::plan_style_memory(square(512)).peak_bytes;
  auto with = [](auto edit) {
    nst::MemoryPlanInput in = square(512);
    edit(in);
    return nst::plan_style_memory(in).peak_bytes;
  };
  EXPECT_GT(with([](auto& in) { in.pooling = nst::Pooling::kMax; }), base);  // int64 indices
  EXPECT_LT(with([](auto& in) { in.padding = nst::Padding::kZeros; }), base);  // no padded copies
  EXPECT_LT(with([](auto& in) { in.optimizer.history = 5; }), base);
  EXPECT_LT(with([](auto& in) { in.optimizer.kind = nst::OptimizerKind::kAdam; }), base);
  EXPECT_LT(with([](auto& in) { in.style_layers = {"relu1_1", "relu2_1"}; in.content_layers = {"relu2_1"}; }), base);
  // L-BFGS keeps min(history, iterations) pairs.
  EXPECT_LT(with([](auto& in) { in.iterations = 3; }), base);
  EXPECT_GT(with([](auto& in) { in.weights_file_bytes = 548u << 20; }), base);
}

TEST(MemoryPlan, HalfPrecisionHistoryHalvesThePairs) {
  // 512² image = 3 MiB; 100 pairs = 600 MiB in float32, 300 MiB in float16 or bfloat16, which
  // needs 2 more working vectors (the new pair in float32, a decoded copy).
  const uint64_t image = 3ull * 512 * 512 * 4;
  nst::MemoryPlanInput in = square(512);
  const uint64_t full = nst::plan_style_memory(in).parts.at("optimizer");
  EXPECT_EQ(full, (200 + 6) * image);
  for (auto precision : {nst::HistoryPrecision::kFloat16, nst::HistoryPrecision::kBFloat16}) {
    in.optimizer.history_precision = precision;
    EXPECT_EQ(nst::plan_style_memory(in).parts.at("optimizer"), (100 + 8) * image);
  }
  in.optimizer.kind = nst::OptimizerKind::kAdam;  // no history: the precision changes nothing
  const uint64_t adam = nst::plan_style_memory(in).parts.at("optimizer");
  in.optimizer.history_precision = nst::HistoryPrecision::kFull;
  EXPECT_EQ(nst::plan_style_memory(in).parts.at("optimizer"), adam);
}

TEST(MemoryPlan, AShortRunKeepsOnlyItsPairs) {
  // The 768 px case of issue #12: nst plan's default (--iterations 500: 100 L-BFGS pairs) against
  // a 3-iteration run predicted 1.31x its measured peak; planned with the run's own --iterations
  // the two predictions differ by exactly the 97 pairs (2 image-sized vectors each) it never keeps.
  nst::MemoryPlanInput in = square(768);
  in.width = 768;
  in.styles = {{614, 768}};
  in.iterations = 500;
  const auto long_run = nst::plan_style_memory(in);
  in.iterations = 3;
  const auto short_run = nst::plan_style_memory(in);
  const uint64_t image = 3ull * 768 * 768 * 4;
  EXPECT_EQ(long_run.peak_bytes - short_run.peak_bytes, 2 * 97 * image);
  for (const auto& [part, bytes] : short_run.parts) {
    if (part != "optimizer") EXPECT_EQ(long_run.parts.at(part), bytes) << part;
  }
}

TEST(MemoryPlan, TargetsAreWhatTheTermsKeep) {
  nst::MemoryPlanInput in = square(256);
  in.styles = {{256, 256}, {128, 192}};
  // Gram: per style layer a CxC target and one CxC sum per style image; content: its features.
  uint64_t want = 256ull * 64 * 64 * 4;  // relu3_1 content target: 256 channels at 64x64
  for (uint64_t c : {64, 128, 256, 512, 512}) want += c * c * 4 * 3;
  EXPECT_EQ(nst::plan_style_memory(in).parts.at("targets"), want);
  // Sliced Wasserstein keeps every style's features of every style layer: far more.
  in.style_loss = nst::StyleLoss::kSlicedWasserstein;
  EXPECT_GT(nst::plan_style_memory(in).parts.at("targets"), 4 * want);
  // Tiled, the targets stay whole-image sized.
  in.style_loss = nst::StyleLoss::kGram;
  in.tile_size = 64;
  EXPECT_EQ(nst::plan_style_memory(in).parts.at("targets"), want);
}

TEST(MemoryPlan, LargestFittingSideIsTheBoundary) {
  nst::MemoryPlanInput in = square(4000);
  in.width = 3000;  // 4000 x 3000, landscape
  in.styles = {{1000, 1000}};
  const uint64_t budget = 4ull << 30;
  const int side = nst::largest_fitting_side(in, budget);
  ASSERT_GT(side, 16);
  auto at_side = [&](int s) {
    nst::MemoryPlanInput x = in;
    const double k = static_cast<double>(s) / 4000;
    x.height = static_cast<int>(4000 * k + 0.5);
    x.width = static_cast<int>(3000 * k + 0.5);
    x.styles = {{static_cast<int>(1000 * k + 0.5), static_cast<int>(1000 * k + 0.5)}};
    return nst::plan_style_memory(x).peak_bytes;
  };
  EXPECT_LE(at_side(side), budget);
  EXPECT_GT(at_side(side + 1), budget);
  EXPECT_EQ(nst::largest_fitting_side(in, 1u << 20), 0);  // 1 MiB: nothing fits
}

TEST(MemoryPlan, RejectsUnknownLayersAndEmptySizes) {
  nst::MemoryPlanInput in = square(64);
  in.style_layers = {"relu9_9"};
  EXPECT_THROW(nst::plan_style_memory(in), nst::Error);
  in = square(64);
  in.width = 0;
  EXPECT_THROW(nst::plan_style_memory(in), nst::Error);
}

}  // namespace
