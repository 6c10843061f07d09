// run_style stopped at iteration k (the progress callback's abort), its checkpoint written to a
// file, read back and resumed: the result is bit-identical to an uninterrupted run's (one
// process, one thread count, CPU), for each optimizer, coarse-to-fine, polish and redraws.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "nst/checkpoint.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/weights.h"

namespace nst {
namespace {

namespace fs = std::filesystem;

const VggWeights& embedded() {
  static const VggWeights w = make_embedded_vgg();
  return w;
}

const at::Tensor& content() {
  static const at::Tensor c = read_image(std::string(NST_SOURCE_DIR) + "/examples/chelsea.png", 32);
  return c;
}

const at::Tensor& style() {
  static const at::Tensor s = read_image(std::string(NST_SOURCE_DIR) + "/examples/starry_night.jpg", 32);
  return s;
}

StyleOptions small(int iterations) {
  StyleOptions o;
  o.iterations = iterations;
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  return o;
}

class Resume : public ::testing::Test {
 protected:
  void SetUp() override { path_ = (fs::temp_directory_path() / ("nst_resume_" + std::to_string(::getpid()))).string(); }
  void TearDown() override { fs::remove(path_); }

  // Runs o uninterrupted, then stopped after `stop` iterations and resumed from the file; the
  // two results must agree exactly. Returns the checkpoint taken at the stop.
  StyleCheckpoint expect_exact_resume(const StyleOptions& o, int stop) {
    const StyleResult full = run_style(embedded(), content(), {style()}, o);
    StyleCheckpointing taking;
    taking.write = [&](const StyleCheckpoint& c) { write_checkpoint(path_, c); };
    const StyleResult part = run_style(embedded(), content(), {style()}, o,
                                       [&](const IterationReport& r, const at::Tensor&) { return r.iteration < stop; },
                                       nullptr, taking);
    EXPECT_EQ(part.stop, StopReason::kAborted);
    EXPECT_EQ(part.last.iteration, stop);
    const StyleCheckpoint saved = read_checkpoint(path_);
    EXPECT_EQ(saved.iteration, stop);
    StyleCheckpointing resuming;
    resuming.resume = &saved;
    int first = 0;
    const StyleResult resumed = run_style(embedded(), content(), {style()}, o,
                                          [&](const IterationReport& r, const at::Tensor&) {
                                            if (first == 0) first = r.iteration;
                                            return true;
                                          },
                                          nullptr, resuming);
    EXPECT_EQ(first, full.last.iteration > stop ? stop + 1 : 0);  // continues the numbering
    EXPECT_EQ(resumed.stop, full.stop);
    EXPECT_EQ(resumed.last.iteration, full.last.iteration);
    EXPECT_EQ(resumed.last.loss, full.last.loss);
    EXPECT_EQ(resumed.last.total_evaluations, full.last.total_evaluations);
    EXPECT_TRUE(at::equal(resumed.image, full.image)) << "max difference "
                                                      << (resumed.image - full.image).abs().max().item<float>();
    return saved;
  }

  std::string path_;
};

TEST_F(Resume, LbfgsbIsBitIdentical) {
  const StyleCheckpoint c = expect_exact_resume(small(12), 5);
  EXPECT_EQ(c.optimizer.kind, "lbfgsb");  // --bounds box, the default
}

TEST_F(Resume, AdamAndSgdAreBitIdentical) {
  StyleOptions adam = small(8);
  adam.optimizer.kind = OptimizerKind::kAdam;
  adam.optimizer.learning_rate = 0.01;
  EXPECT_EQ(expect_exact_resume(adam, 3).optimizer.kind, "adam");
  StyleOptions sgd = small(8);
  sgd.optimizer.kind = OptimizerKind::kSgd;
  sgd.optimizer.learning_rate = 1e-3;
  EXPECT_EQ(expect_exact_resume(sgd, 3).optimizer.kind, "sgd");
}

TEST_F(Resume, CoarseToFineResumesAtTheRightScale) {
  StyleOptions o = small(6);
  o.scales = 2;
  o.coarse_iterations = 5;
  EXPECT_EQ(expect_exact_resume(o, 3).scale, 0);  // inside the coarse scale
  const StyleCheckpoint fine = expect_exact_resume(o, 8);
  EXPECT_EQ(fine.scale, 1);
  EXPECT_EQ(fine.image.size(2), content().size(2));
}

TEST_F(Resume, PolishStageAndUnboundedLbfgs) {
  StyleOptions o = small(10);
  o.bounds = BoundsMethod::kPolish;
  o.polish_fraction = 0.4;  // iterations 7..10 boxed
  EXPECT_EQ(expect_exact_resume(o, 4).optimizer.kind, "lbfgs");
  const StyleCheckpoint polished = expect_exact_resume(o, 8);
  EXPECT_EQ(polished.stage, 1);
  EXPECT_EQ(polished.optimizer.kind, "lbfgsb");
}

TEST_F(Resume, SlicedWassersteinRedrawsWhereTheRunWas) {
  StyleOptions o = small(9);
  o.style_loss = StyleLoss::kSlicedWasserstein;
  o.style_weight = default_style_weight(o.style_loss, false);
  o.sliced_redraw_every = 3;
  expect_exact_resume(o, 4);  // after the first redraw (iteration 3), before the second
}

TEST_F(Resume, LongerRunContinuesAndOtherConfigurationsAreRefused) {
  // --iterations counts the whole run: 6 done, resumed with 10, equals a 10-iteration run.
  StyleCheckpointing taking;
  taking.write = [&](const StyleCheckpoint& c) { write_checkpoint(path_, c); };
  run_style(embedded(), content(), {style()}, small(6), nullptr, nullptr, taking);
  const StyleCheckpoint saved = read_checkpoint(path_);
  EXPECT_EQ(saved.iteration, 6);
  StyleCheckpointing resuming;
  resuming.resume = &saved;
  const StyleResult longer = run_style(embedded(), content(), {style()}, small(10), nullptr, nullptr, resuming);
  const StyleResult full = run_style(embedded(), content(), {style()}, small(10));
  EXPECT_EQ(longer.last.iteration, 10);
  EXPECT_TRUE(at::equal(longer.image, full.image));

  StyleOptions other = small(10);
  other.tv_weight = 1;
  try {
    run_style(embedded(), content(), {style()}, other, nullptr, nullptr, resuming);
    ADD_FAILURE() << "another configuration resumed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("--tv-weight"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_style(embedded(), content(), {style()}, small(4), nullptr, nullptr, resuming), Error);  // 6 > 4
  const at::Tensor other_content = read_image(std::string(NST_SOURCE_DIR) + "/examples/chelsea.png", 40);
  EXPECT_THROW(run_style(embedded(), other_content, {style()}, small(10), nullptr, nullptr, resuming), Error);
}

}  // namespace
}  // namespace nst
