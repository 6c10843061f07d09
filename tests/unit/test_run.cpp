// The run harness (src/pipelines/run_harness.*, nst/run.h): one meaning of scales, and libtorch's
// errors rewrapped as one-line nst::Errors at a pipeline's boundary.
#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <new>
#include <string>

#include "nst/error.h"
#include "nst/run.h"
#include "pipelines/run_harness.h"

namespace {

nst::Error rewrapped(const std::exception_ptr& thrown) {
  try {
    try {
      std::rethrow_exception(thrown);
    } catch (...) {
      nst::detail::rethrow_as_nst_error("a 64x48 px style run", "; --size 32 fits");
    }
  } catch (const nst::Error& e) {
    return e;
  }
  ADD_FAILURE() << "no nst::Error";
  return nst::Error(nst::ErrorKind::kUsage, "");
}

c10::Error torch_error(const std::string& message) { return c10::Error({__func__, __FILE__, __LINE__}, message); }

}  // namespace

TEST(Run, ScaleIterationsAndSizes) {
  nst::RunOptions o;
  o.iterations = 10;
  o.scales = 3;
  o.scale_factor = 2;
  EXPECT_EQ(nst::total_iterations(o), 30);  // coarse_iterations -1: the same at every scale
  o.coarse_iterations = 4;
  EXPECT_EQ(nst::scale_iterations(o, 0), 4);
  EXPECT_EQ(nst::scale_iterations(o, 2), 10);
  EXPECT_EQ(nst::total_iterations(o), 18);
  EXPECT_EQ(nst::scale_size(96, 128, 0, o), std::make_pair(24, 32));
  EXPECT_EQ(nst::scale_size(96, 128, 2, o), std::make_pair(96, 128));
  nst::check_run_options(o);
  o.scale_factor = 1.0;
  EXPECT_THROW(nst::check_run_options(o), nst::Error);
}

TEST(Run, OutOfMemoryBecomesAResourceErrorWithAdvice) {
  const nst::Error cpu = rewrapped(std::make_exception_ptr(
      torch_error("[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: not enough memory: you tried to "
                  "allocate 1099511627776 bytes.")));
  EXPECT_EQ(cpu.kind(), nst::ErrorKind::kResource);
  EXPECT_EQ(std::string(cpu.what()), "out of memory during a 64x48 px style run; --size 32 fits");
  EXPECT_EQ(rewrapped(std::make_exception_ptr(std::bad_alloc())).kind(), nst::ErrorKind::kResource);
  const nst::Error cuda = rewrapped(std::make_exception_ptr(torch_error("CUDA out of memory. Tried to allocate 2 GiB")));
  EXPECT_EQ(cuda.kind(), nst::ErrorKind::kResource);
}

TEST(Run, OtherTorchErrorsBecomeOneLine) {
  const nst::Error e = rewrapped(std::make_exception_ptr(torch_error("shapes do not match\nException raised from ...")));
  EXPECT_EQ(e.kind(), nst::ErrorKind::kNumeric);
  EXPECT_EQ(std::string(e.what()), "libtorch failed during a 64x48 px style run: shapes do not match");
  // nst's own errors pass through unchanged.
  const nst::Error usage = rewrapped(std::make_exception_ptr(nst::Error(nst::ErrorKind::kUsage, "bad flag")));
  EXPECT_EQ(usage.kind(), nst::ErrorKind::kUsage);
  EXPECT_EQ(std::string(usage.what()), "bad flag");
}
