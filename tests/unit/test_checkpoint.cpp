// The checkpoint file (nst/checkpoint.h): exact round trip, damaged files refused with one line,
// fingerprints of other configurations refused naming what differs.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "nst/checkpoint.h"
#include "nst/error.h"
#include "nst/optim.h"
#include "nst/weights.h"
#include "test_files.h"

namespace nst {
namespace {

namespace fs = std::filesystem;

class Checkpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nst_checkpoint_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

double quadratic(const at::Tensor& x, at::Tensor& g) {
  g.copy_(2 * (x - 0.7));
  return (x - 0.7).pow(2).sum().item<double>();
}

// A checkpoint whose optimizer state holds float16 pairs, float64 tables and a cached point.
StyleCheckpoint sample() {
  OptimizerOptions o;
  o.lower = 0;
  o.upper = 1;
  o.history_precision = HistoryPrecision::kFloat16;
  auto optimizer = make_optimizer(o);
  auto generator = at::detail::createCPUGenerator(3);
  at::Tensor x = at::rand({1, 3, 8, 8}, generator, at::kFloat);
  for (int i = 0; i < 4; ++i) optimizer->step(x, quadratic);
  StyleCheckpoint c;
  c.scale = 1;
  c.stage = 0;
  c.iteration = 14;
  c.evaluations = 17;
  c.seconds = 0.1 + 0.2;  // not a short decimal: must come back exactly
  c.flat_iterations = 2;
  c.previous_loss = 1.0 / 3.0;
  c.image = x;
  c.optimizer = optimizer->state();
  c.fingerprint = {{"--style-weight", "1e+07"}, {"--seed", "3"}};
  return c;
}

TEST_F(Checkpoint, RoundTripIsExact) {
  const StyleCheckpoint c = sample();
  write_checkpoint(path("a.ckpt"), c);
  const StyleCheckpoint r = read_checkpoint(path("a.ckpt"));
  EXPECT_EQ(r.scale, c.scale);
  EXPECT_EQ(r.stage, c.stage);
  EXPECT_EQ(r.iteration, c.iteration);
  EXPECT_EQ(r.evaluations, c.evaluations);
  EXPECT_EQ(r.seconds, c.seconds);
  EXPECT_EQ(r.flat_iterations, c.flat_iterations);
  EXPECT_EQ(r.previous_loss, c.previous_loss);
  EXPECT_TRUE(at::equal(r.image, c.image));
  EXPECT_EQ(r.fingerprint, c.fingerprint);
  EXPECT_EQ(r.optimizer.kind, "lbfgsb");
  EXPECT_EQ(r.optimizer.scalars, c.optimizer.scalars);
  ASSERT_EQ(r.optimizer.tensors.size(), c.optimizer.tensors.size());
  for (const auto& [key, t] : c.optimizer.tensors) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(r.optimizer.tensors.count(key));
    const at::Tensor& back = r.optimizer.tensors.at(key);
    EXPECT_EQ(back.scalar_type(), t.scalar_type());
    EXPECT_TRUE(at::equal(back, t));
  }
  EXPECT_EQ(c.optimizer.tensors.at("model.s.0").scalar_type(), at::kHalf);
  EXPECT_EQ(c.optimizer.tensors.at("model.sy").scalar_type(), at::kDouble);
}

// The one-line message of the nst::Error that f throws, and that it is of `kind`.
template <class F>
std::string error_of(F f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST_F(Checkpoint, DamagedFilesAreRefused) {
  write_checkpoint(path("good.ckpt"), sample());
  test::Bytes bytes = test::read_all(path("good.ckpt"));
  auto write = [&](const std::string& name, const test::Bytes& b) {
    std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
    return path(name);
  };
  test::Bytes flipped = bytes;
  flipped[flipped.size() - 3] ^= 0x40;  // a bit of the last tensor's data
  const std::string flipped_path = write("flipped.ckpt", flipped);
  EXPECT_NE(error_of([&] { read_checkpoint(flipped_path); }, ErrorKind::kFormat).find("damaged"), std::string::npos);

  const std::string truncated = write("truncated.ckpt", test::Bytes(bytes.begin(), bytes.begin() + bytes.size() / 2));
  EXPECT_NE(error_of([&] { read_checkpoint(truncated); }, ErrorKind::kFormat).find("not an nst checkpoint"),
            std::string::npos);

  const std::string text = write("text.ckpt", test::Bytes{'h', 'e', 'l', 'l', 'o', '\n', 0, 0, 0, 0});
  error_of([&] { read_checkpoint(text); }, ErrorKind::kFormat);

  // A valid safetensors file that is not a checkpoint (weights, say).
  write_safetensors(path("weights.safetensors"), {{"conv1_1.weight", at::zeros({2, 3, 3, 3})}});
  EXPECT_NE(error_of([&] { read_checkpoint(path("weights.safetensors")); }, ErrorKind::kFormat)
                .find("not an nst style checkpoint"),
            std::string::npos);

  error_of([&] { read_checkpoint(path("missing.ckpt")); }, ErrorKind::kIo);
}

TEST(CheckpointFingerprint, OtherConfigurationIsNamed) {
  const Fingerprint saved = {{"--weights", "embedded"}, {"--style-weight", "1e+07"}, {"--seed", "0"}};
  EXPECT_NO_THROW(check_fingerprint(saved, saved, "x.ckpt"));
  Fingerprint other = saved;
  other[1].second = "100000";
  const std::string message = error_of([&] { check_fingerprint(saved, other, "x.ckpt"); }, ErrorKind::kUsage);
  EXPECT_NE(message.find("--style-weight is 100000 here, 1e+07 there"), std::string::npos) << message;
  Fingerprint fewer(saved.begin(), saved.end() - 1);
  EXPECT_NE(error_of([&] { check_fingerprint(saved, fewer, "x.ckpt"); }, ErrorKind::kUsage).find("--seed"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_fingerprint(fewer, saved, "x.ckpt"); }, ErrorKind::kUsage).find("--seed"),
            std::string::npos);
}

TEST(CheckpointFingerprint, CoversOptionsPixelsAndNetwork) {
  VggWeights w;
  w.source = "test";
  w.weights = {at::ones({2, 3, 3, 3})};
  w.biases = {at::zeros({2})};
  const at::Tensor content = at::full({1, 3, 8, 8}, 0.5);
  const at::Tensor style = at::full({1, 3, 8, 8}, 0.25);
  StyleOptions o;
  const Fingerprint base = style_fingerprint(w, content, {style}, o);
  auto differs = [&](const Fingerprint& f, const std::string& key) {
    const std::string message = error_of([&] { check_fingerprint(base, f, "c"); }, ErrorKind::kUsage);
    EXPECT_NE(message.find(key), std::string::npos) << message;
  };
  StyleOptions more = o;
  more.iterations = 900;  // not part of it: a resumed run may extend the run
  EXPECT_NO_THROW(check_fingerprint(base, style_fingerprint(w, content, {style}, more), "c"));
  StyleOptions weight = o;
  weight.tv_weight = 3;
  differs(style_fingerprint(w, content, {style}, weight), "--tv-weight");
  StyleOptions optimizer = o;
  optimizer.optimizer.history_precision = HistoryPrecision::kBFloat16;
  differs(style_fingerprint(w, content, {style}, optimizer), "--history-precision");
  at::Tensor edited = content.clone();
  edited[0][1][2][3] = 0.75;
  differs(style_fingerprint(w, edited, {style}, o), "content pixels");
  differs(style_fingerprint(w, content, {style, style}, o), "style images");
  VggWeights other = w;
  other.weights = {at::full({2, 3, 3, 3}, 2.0)};
  differs(style_fingerprint(other, content, {style}, o), "--weights");
  // With several scales the coarse scales' length is fixed by the checkpoint (-1 = iterations).
  StyleOptions scaled = o;
  scaled.scales = 2;
  StyleOptions scaled_more = scaled;
  scaled_more.iterations = 900;
  const Fingerprint two = style_fingerprint(w, content, {style}, scaled);
  EXPECT_THROW(check_fingerprint(two, style_fingerprint(w, content, {style}, scaled_more), "c"), Error);
  scaled.coarse_iterations = scaled_more.coarse_iterations = 50;
  EXPECT_NO_THROW(check_fingerprint(style_fingerprint(w, content, {style}, scaled),
                                    style_fingerprint(w, content, {style}, scaled_more), "c"));
}

}  // namespace
}  // namespace nst
