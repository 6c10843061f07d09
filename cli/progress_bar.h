#pragma once
// Progress display: a redrawn bar on a terminal, plain lines otherwise.
#include <cstdio>
#include <string>

#include "nst/progress.h"

namespace nst::cli {

class ProgressBar {
 public:
  /// print_every: lines are printed every N iterations when not on a terminal (0 = never).
  ProgressBar(int print_every, FILE* stream = stderr);
  void update(const IterationReport& report);
  /// Ends the bar's line.
  void finish();

 private:
  int print_every_;
  FILE* stream_;
  bool tty_;
  bool drawn_ = false;
};

/// "content 1.2e+00 style 3.4e-01 tv 5.6e-03": parts summed by kind.
std::string summarize_parts(const IterationReport& report);

}  // namespace nst::cli
