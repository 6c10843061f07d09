#pragma once
// Helpers shared by the CLI verbs: list parsing, output checks, trace lines, exit codes.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "nst/progress.h"

namespace nst::cli {

enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 130 };

/// "a,b,c" -> {"a","b","c"} (empty items are an error).
std::vector<std::string> split_list(const std::string& text, const std::string& option);
/// "0.7,0.3" -> {0.7, 0.3}; throws nst::Error(kUsage) on a non-number.
std::vector<double> parse_numbers(const std::string& text, const std::string& option);

/// Refuses an output path that is one of the inputs, or whose folder does not exist.
void check_output_path(const std::string& output, const std::vector<std::string>& inputs);

/// Bytes as "1.23 GiB".
std::string format_gib(uint64_t bytes);
/// The memory budget from --memory-limit (GiB; 0 = the memory available now); throws on < 0.
uint64_t memory_budget(double limit_gib);

/// "out.png", 100 -> "out_100.png" (intermediate saves, as neural-style names them).
std::string numbered_path(const std::string& path, int iteration);

/// One JSON object per iteration (iteration, seconds, loss, parts, evaluations, step size).
class TraceWriter {
 public:
  explicit TraceWriter(const std::string& path);
  ~TraceWriter();
  /// One JSON line; the first one also has "startup": {milestone: CLOCK_MONOTONIC seconds}.
  void write(const IterationReport& report);

 private:
  FILE* file_ = nullptr;
  bool wrote_startup_ = false;
};

}  // namespace nst::cli
