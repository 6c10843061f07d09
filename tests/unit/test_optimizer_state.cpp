// Optimizer::state / load_state: a run stopped after k steps and continued in a fresh optimizer
// loaded with the exported state takes bit-identical steps to an uninterrupted one.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nst/error.h"
#include "nst/optim.h"
#include "test_functions.h"

namespace nst {
namespace {

using nst::test::rosenbrock;

at::Tensor start_point() {
  auto generator = at::detail::createCPUGenerator(7);
  return at::rand({64}, generator, at::kFloat) * 1.6 - 0.4;  // some elements start outside [0, 1]
}

struct Case {
  std::string name;
  OptimizerOptions options;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  OptimizerOptions lbfgs;
  lbfgs.history = 5;  // fewer pairs than steps: the oldest are dropped before and after the stop
  out.push_back({"lbfgs", lbfgs});
  OptimizerOptions lbfgs16 = lbfgs;
  lbfgs16.history_precision = HistoryPrecision::kFloat16;
  out.push_back({"lbfgs-float16", lbfgs16});
  OptimizerOptions boxed = lbfgs;
  boxed.lower = 0;
  boxed.upper = 1;
  out.push_back({"lbfgsb", boxed});
  OptimizerOptions boxed_bf16 = boxed;
  boxed_bf16.history_precision = HistoryPrecision::kBFloat16;
  out.push_back({"lbfgsb-bfloat16", boxed_bf16});
  OptimizerOptions adam = boxed;
  adam.kind = OptimizerKind::kAdam;
  adam.learning_rate = 0.01;
  out.push_back({"adam", adam});
  OptimizerOptions sgd = boxed;
  sgd.kind = OptimizerKind::kSgd;
  sgd.learning_rate = 1e-4;
  out.push_back({"sgd", sgd});
  return out;
}

TEST(OptimizerState, ResumedRunIsBitIdentical) {
  constexpr int kBefore = 9, kAfter = 8;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    auto whole = make_optimizer(c.options);
    at::Tensor x_whole = start_point();
    std::vector<double> losses;
    for (int i = 0; i < kBefore + kAfter; ++i) losses.push_back(whole->step(x_whole, rosenbrock).loss);

    auto first = make_optimizer(c.options);
    at::Tensor x = start_point();
    for (int i = 0; i < kBefore; ++i) first->step(x, rosenbrock);
    const OptimizerState saved = first->state();
    first.reset();  // nothing of the first optimizer survives but the exported state
    EXPECT_GT(saved.tensors.size(), 0u);
    auto second = make_optimizer(c.options);
    second->load_state(saved, at::kCPU);
    at::Tensor x_resumed = x.clone();
    for (int i = kBefore; i < kBefore + kAfter; ++i) {
      const StepResult step = second->step(x_resumed, rosenbrock);
      EXPECT_EQ(step.loss, losses[i]) << "step " << i;
      // The cached point was restored: no extra evaluation at the resumed x.
      if (i == kBefore && c.options.kind != OptimizerKind::kLbfgs) EXPECT_EQ(step.evaluations, 1);
    }
    EXPECT_TRUE(at::equal(x_resumed, x_whole));
    EXPECT_LT(losses.back(), losses.front());
  }
}

TEST(OptimizerState, StateOfAFreshOptimizerLoads) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    auto a = make_optimizer(c.options);
    auto b = make_optimizer(c.options);
    b->load_state(a->state(), at::kCPU);
    at::Tensor xa = start_point(), xb = start_point();
    EXPECT_EQ(a->step(xa, rosenbrock).loss, b->step(xb, rosenbrock).loss);
    EXPECT_TRUE(at::equal(xa, xb));
  }
}

TEST(OptimizerState, ForeignOrDamagedStateIsRefused) {
  OptimizerOptions boxed;
  boxed.lower = 0;
  boxed.upper = 1;
  auto lbfgsb = make_optimizer(boxed);
  at::Tensor x = start_point();
  for (int i = 0; i < 3; ++i) lbfgsb->step(x, rosenbrock);
  OptimizerState state = lbfgsb->state();

  auto unbounded = make_optimizer(OptimizerOptions{});
  EXPECT_THROW(unbounded->load_state(state, at::kCPU), Error);  // kind lbfgsb into lbfgs

  OptimizerState missing = state;
  missing.tensors.erase("model.s.0");
  auto target = make_optimizer(boxed);
  try {
    target->load_state(missing, at::kCPU);
    FAIL() << "a state without a pair loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kFormat);
    EXPECT_NE(std::string(e.what()).find("model.s.0"), std::string::npos) << e.what();
  }

  OptimizerState too_many = state;
  too_many.scalars["model.pairs"] = 1000;  // beyond the history size
  EXPECT_THROW(target->load_state(too_many, at::kCPU), Error);

  OptimizerOptions half = boxed;
  half.history_precision = HistoryPrecision::kFloat16;
  auto reduced = make_optimizer(half);
  EXPECT_THROW(reduced->load_state(state, at::kCPU), Error);  // float32 pairs into a float16 history
}

}  // namespace
}  // namespace nst
