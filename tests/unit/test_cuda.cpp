// The CUDA path: the same objective, pipeline and tiling on a GPU as on the CPU. Every test is
// skipped when libtorch has no CUDA or no GPU is visible (the CI machines have none).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/image.h"
#include "nst/network.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

#define NST_REQUIRE_CUDA() \
  if (!nst::cuda_available()) GTEST_SKIP() << "no CUDA device"

struct Problem {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 96);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 96);
  nst::StyleOptions options;
  std::vector<std::string> layers() const {
    std::vector<std::string> l = options.content_layers;
    l.insert(l.end(), options.style_layers.begin(), options.style_layers.end());
    return l;
  }
};

double evaluate(const nst::FeatureNet& net, const Problem& p, const at::Device& device, at::Tensor* grad) {
  nst::detail::StyleObjective f(net, p.content.to(device), {p.style.to(device)}, p.options);
  at::manual_seed(0);
  const at::Tensor x = (p.content + 0.05 * at::randn(p.content.sizes())).to(device).contiguous();
  const double loss = f(x, *grad);
  *grad = grad->to(at::kCPU);
  return loss;
}

TEST(Cuda, ObjectiveMatchesTheCpu) {
  NST_REQUIRE_CUDA();
  nst::configure_device("cuda", /*allow_tf32=*/false);  // exact float32 first
  Problem p;
  nst::FeatureNet cpu(nst::make_embedded_vgg(), p.options.pooling, p.layers());
  nst::FeatureNet gpu(nst::make_embedded_vgg(), p.options.pooling, p.layers());
  gpu.to(at::Device("cuda"));
  at::Tensor g_cpu, g_gpu;
  const double l_cpu = evaluate(cpu, p, at::Device("cpu"), &g_cpu);
  const double l_gpu = evaluate(gpu, p, at::Device("cuda"), &g_gpu);
  EXPECT_NEAR(l_gpu, l_cpu, 1e-4 * l_cpu);
  EXPECT_LT(((g_gpu - g_cpu).norm() / g_cpu.norm()).item<double>(), 1e-3);
  // TF32 (the default on GPUs) and bfloat16 stay close.
  nst::configure_device("cuda", /*allow_tf32=*/true);
  at::Tensor g_tf32;
  EXPECT_NEAR(evaluate(gpu, p, at::Device("cuda"), &g_tf32), l_cpu, 1e-2 * l_cpu);
  for (auto precision : {nst::ComputePrecision::kBFloat16, nst::ComputePrecision::kFloat16}) {
    gpu.set_precision(precision);
    at::Tensor g_half;
    EXPECT_NEAR(evaluate(gpu, p, at::Device("cuda"), &g_half), l_cpu, 3e-2 * l_cpu) << nst::to_string(precision);
  }
}

TEST(Cuda, TiledEqualsUntiledOnTheGpu) {
  NST_REQUIRE_CUDA();
  nst::configure_device("cuda", /*allow_tf32=*/false);
  Problem p;
  nst::FeatureNet net(nst::make_embedded_vgg(), p.options.pooling, p.layers());
  net.to(at::Device("cuda"));
  const at::Device cuda("cuda");
  nst::detail::StyleObjective whole(net, p.content.to(cuda), {p.style.to(cuda)}, p.options);
  nst::StyleOptions tiled_options = p.options;
  tiled_options.tile_size = 32;
  nst::detail::StyleObjective tiled(net, p.content.to(cuda), {p.style.to(cuda)}, tiled_options);
  const at::Tensor x = p.content.to(cuda).contiguous();
  at::Tensor g_whole, g_tiled;
  const double f_whole = whole(x, g_whole), f_tiled = tiled(x, g_tiled);
  EXPECT_NEAR(f_tiled, f_whole, 2e-4 * f_whole);
  EXPECT_LT((g_tiled - g_whole).abs().max().item<double>(), 2e-4 * g_whole.abs().max().item<double>());
}

TEST(Cuda, RunStyleOnTheGpuWithHistoryOnTheHost) {
  NST_REQUIRE_CUDA();
  Problem p;
  p.options.iterations = 10;
  p.options.device = "cuda";
  p.options.optimizer.history_device = "cpu";
  p.options.optimizer.history_precision = nst::HistoryPrecision::kBFloat16;
  double first = 0;
  const nst::StyleResult r = nst::run_style(nst::make_embedded_vgg(), p.content, {p.style}, p.options,
                                            [&](const nst::IterationReport& report, const at::Tensor&) {
                                              if (report.iteration == 1) first = report.loss;
                                              return true;
                                            });
  EXPECT_EQ(r.stop, nst::StopReason::kIterations) << r.message;
  EXPECT_TRUE(r.image.device().is_cpu());
  EXPECT_LT(r.last.loss, 0.5 * first);
}

}  // namespace
