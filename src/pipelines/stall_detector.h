#pragma once
// Decides when an optimization has stalled: the loss fell by less than a relative tolerance over
// the last K iterations, or the optimizer reported that it could not make progress.
#include <deque>

namespace nst::detail {

class StallDetector {
 public:
  /// window: K iterations compared; tolerance: smallest relative decrease that counts as progress.
  StallDetector(int window, double tolerance);

  /// Feeds the loss after one iteration (optimizer_ok = false: the step failed, e.g. the line
  /// search found no decrease). Returns true when stalled; the window then starts afresh.
  bool update(double loss, bool optimizer_ok = true);

  /// Forgets the losses seen so far (call after the image was edited).
  void clear() { losses_.clear(); }

  int window() const { return window_; }
  double tolerance() const { return tolerance_; }

 private:
  int window_;
  double tolerance_;
  std::deque<double> losses_;  // the last window_ + 1 losses, oldest first
};

}  // namespace nst::detail
