#include "startup_marks.h"

#include <chrono>

#include "nst/progress.h"

namespace nst::cli {
namespace {

std::vector<std::pair<std::string, double>>& marks() {
  static std::vector<std::pair<std::string, double>> instance;
  return instance;
}

}  // namespace

void mark_startup(const std::string& name) {
  // steady_clock is CLOCK_MONOTONIC on Linux: comparable with another process's reading.
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  marks().emplace_back(name, now);
}

void install_startup_marks() {
  mark_startup("main entered");
  set_milestone_callback(mark_startup);
}

const std::vector<std::pair<std::string, double>>& startup_marks() { return marks(); }

}  // namespace nst::cli
