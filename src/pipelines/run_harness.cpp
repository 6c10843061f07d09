#include "pipelines/run_harness.h"

#include <c10/util/Exception.h>

#include <exception>
#include <limits>
#include <new>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"

namespace nst::detail {

FeatureNet make_run_network(const VggWeights& weights, const RunOptions& options, const std::vector<std::string>& layers) {
  check_layer_names(weights.arch, layers);
  FeatureNet net(weights, options.pooling, layers);
  net.to(at::Device(options.device));
  net.set_precision(options.precision);
  configure_device(options.device, options.allow_tf32);
  return net;
}

OptimizerOptions run_optimizer_options(const RunOptions& options, bool boxed) {
  OptimizerOptions o = options.optimizer;
  if (boxed) {
    o.lower = 0.0;
    o.upper = 1.0;
  }
  return o;
}

at::Tensor noise_image(int height, int width, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  return at::rand({1, 3, height, width}, generator, at::kFloat) * 0.2 + 0.4;
}

void rethrow_as_nst_error(const std::string& what_ran, const std::string& advice) {
  const std::string out_of_memory = "out of memory during " + what_ran + advice;
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    fail(ErrorKind::kResource, out_of_memory);
  } catch (const c10::Error& e) {
    const std::string message = e.what_without_backtrace();
    // The CPU allocator says "not enough memory", CUDA's "out of memory".
    if (message.find("not enough memory") != std::string::npos || message.find("out of memory") != std::string::npos) {
      fail(ErrorKind::kResource, out_of_memory);
    }
    fail(ErrorKind::kNumeric, "libtorch failed during " + what_ran + ": " + message.substr(0, message.find('\n')));
  }
}

RunDriver::RunDriver(const RunOptions& options, int height, int width)
    : options_(options), height_(height), width_(width), start_(std::chrono::steady_clock::now()) {
  loop_.total_iterations = total_iterations(options);
}

LoopResult RunDriver::optimize(int scale, Optimizer& optimizer, at::Tensor& x, const Objective& objective,
                               const PartsGetter& parts, int iterations, const ProgressCallback& progress,
                               const StepHook& hook) {
  std::string scale_event;
  if (options_.scales > 1 && named_scale_ != scale) {
    const auto [h, w] = size(scale);
    scale_event = "scale " + std::to_string(scale + 1) + "/" + std::to_string(options_.scales) + ": " +
                  std::to_string(w) + "x" + std::to_string(h);
    named_scale_ = scale;
  }
  loop_.hook = [&](StepResult& step, at::Tensor& xs, std::string& event) {
    const bool keep_going = hook ? hook(step, xs, event) : true;
    if (!scale_event.empty()) {
      event = event.empty() ? scale_event : scale_event + ", " + event;
      scale_event.clear();
    }
    return keep_going;
  };
  // Reported seconds include the set-up since the run began (targets per scale), for equal-time comparisons.
  loop_.seconds_before = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  LoopResult loop = detail::optimize(optimizer, x, objective, parts, iterations, progress, loop_);
  loop_.hook = nullptr;
  loop_.flat_before = 0;  // a resumed convergence count belongs to the first call only
  loop_.previous_before = std::numeric_limits<double>::infinity();
  x = loop.best;
  if (loop.last.iteration > 0) last_ = loop.last;
  stop_ = loop.stop;
  message_ = loop.message;
  loop_.first_iteration += iterations;
  loop_.evaluations_before += loop.evaluations;
  stopped_ = loop.stop == StopReason::kAborted || loop.stop == StopReason::kOptimizerFailed;
  return loop;
}

void RunDriver::resume(int scale, int iteration, int evaluations, double seconds, int flat, double previous) {
  loop_.first_iteration = iteration + 1;
  loop_.evaluations_before = evaluations;
  start_ -= std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  loop_.flat_before = flat;
  loop_.previous_before = previous;
  named_scale_ = scale;
  last_.iteration = iteration;
  last_.total_iterations = loop_.total_iterations;
}

void RunDriver::finish(const at::Tensor& x, RunResult& result) const {
  result.last = last_;
  result.stop = stop_;
  result.message = message_;
  result.image = x.to(at::kCPU).clamp(0.0, 1.0);
  if (result.image.size(2) != height_ || result.image.size(3) != width_) {
    result.image = resize_image(result.image, height_, width_).clamp_(0.0, 1.0);  // stopped at a coarse scale
  }
}

}  // namespace nst::detail
