#pragma once
// Start-up milestones of this process for --trace: when main was entered, the network was
// ready, the images were read, and the library's own (nst/progress.h). bench/bench_startup.cpp
// reads them from the first trace line to time start-up against the process's launch.
#include <string>
#include <utility>
#include <vector>

namespace nst::cli {

/// Records `name` at the current time (CLOCK_MONOTONIC, seconds); also the library's milestones
/// once install_startup_marks() has run.
void mark_startup(const std::string& name);
/// Starts recording: "main entered", and the library's milestones from now on.
void install_startup_marks();
/// The milestones so far, in order: (name, CLOCK_MONOTONIC seconds).
const std::vector<std::pair<std::string, double>>& startup_marks();

}  // namespace nst::cli
