// bench_startup: how long a new `nst` process takes to get going, as a batch or video user meets
// it. Runs the real binary as child processes (fork/exec) and reads the start-up milestones that
// `nst style --trace` writes into its first line (CLOCK_MONOTONIC seconds, cli/startup_marks.h),
// against the moment before the fork. The embedded network's cache is the bench's own folder
// ($NST_CACHE_DIR of the children), never the user's. See bench/README.md.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "bench_common.h"

namespace {

using nlohmann::json;
using namespace nst::bench;  // medians, formatting, command-line helpers

struct Args {
  std::string nst = "build/nst";
  std::string content, style;
  int size = 256;
  int runs = 5;
  int threads = 0;  // 0: nst's default
  // warm: the network read from its cache file; cold: the file removed before every run (generated
  // and written, as on a first run); off: --no-network-cache (generated, nothing written).
  std::string network_cache = "warm";
  std::string json_path = "bench_startup.json";
};

Args parse_args(int argc, char** argv) {
  CLI::App app{"From launch to the first iteration: start-up phases of the real nst binary", "bench_startup"};
  Args a;
  keep_last_values(app);
  app.add_option("--nst", a.nst, "The nst binary to run")->capture_default_str();
  app.add_option("--content", a.content, "Content image")->required();
  app.add_option("--style", a.style, "Style image")->required();
  app.add_option("--size", a.size, "nst --size")->check(at_least(0))->capture_default_str();
  app.add_option("--runs", a.runs, "Runs (the median is reported)")->check(at_least(1))->capture_default_str();
  add_threads(app, a.threads, "nst --threads (0: nst's default)");
  app.add_option("--network-cache", a.network_cache,
                 "warm: network read from its cache; cold: cache removed before every run; off: --no-network-cache")
      ->check(CLI::IsMember({"warm", "cold", "off"}))
      ->capture_default_str();
  add_json(app, a.json_path);
  parse_or_exit(app, argc, argv);
  return a;
}

double monotonic_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs argv to completion with its output discarded; returns CLOCK_MONOTONIC at exit, or throws.
double run_child(const std::vector<std::string>& argv) {
  std::vector<char*> raw;
  for (const auto& s : argv) raw.push_back(const_cast<char*>(s.c_str()));
  raw.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double end = monotonic_now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  return end;
}

// The phases in the order a run passes them; the names nst writes (plus "exit", ours).
const std::vector<std::string> kPhases = {"main entered",         "network ready",    "images read",
                                          "optimization started", "first evaluation", "first iteration",
                                          "exit"};
const std::map<std::string, std::string> kMeaning = {
    {"main entered", "shared libraries loaded, static initialisers run"},
    {"network ready", "embedded network read from its cache, or generated and calibrated"},
    {"images read", "content and style decoded and resized"},
    {"optimization started", "style targets (Gram matrices) and content targets done"},
    {"first evaluation", "first loss + gradient done"},
    {"first iteration", "first optimizer iteration done (its line search included)"},
    {"exit", "output written, process gone"},
};

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("bench_startup_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string trace = (dir / "trace.jsonl").string(), output = (dir / "out.png").string();
  const std::filesystem::path cache = dir / "cache";
  ::setenv("NST_CACHE_DIR", cache.c_str(), 1);  // inherited by every child

  std::vector<std::string> style = {a.nst, "style", "--content", a.content, "--style", a.style, "--size",
                                    std::to_string(a.size), "--iterations", "1", "--trace", trace, "-o", output};
  if (a.threads > 0) {
    style.push_back("--threads");
    style.push_back(std::to_string(a.threads));
  }
  if (a.network_cache == "off") style.push_back("--no-network-cache");
  std::map<std::string, std::vector<double>> seconds;  // phase -> one value per run
  std::vector<double> help_seconds, evaluations;
  try {
    run_child({a.nst, "--help"});  // warm the page cache: every run then starts alike
    run_child(style);
    for (int r = 0; r < a.runs; ++r) {
      const double help_start = monotonic_now();
      help_seconds.push_back(run_child({a.nst, "--help"}) - help_start);
      std::filesystem::remove(trace);
      if (a.network_cache == "cold") std::filesystem::remove_all(cache);
      const double start = monotonic_now();
      const double end = run_child(style);
      std::ifstream in(trace);
      std::string line;
      if (!std::getline(in, line)) throw std::runtime_error("no trace line from " + a.nst);
      const json first = json::parse(line);
      if (!first.contains("startup")) throw std::runtime_error(a.nst + " writes no start-up milestones");
      for (const auto& phase : kPhases) {
        if (phase == "exit") seconds[phase].push_back(end - start);
        else if (first["startup"].contains(phase)) seconds[phase].push_back(first["startup"][phase].get<double>() - start);
      }
      evaluations.push_back(first["evaluations"].get<double>());
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_startup: " << e.what() << "\n";
    std::filesystem::remove_all(dir);
    return 1;
  }
  std::filesystem::remove_all(dir);

  json out = {{"nst", a.nst},          {"content", a.content}, {"style", a.style},
              {"size", a.size},        {"runs", a.runs},       {"threads", a.threads},
              {"network_cache", a.network_cache}, {"cpu", nst::bench::cpu_model()}};
  std::printf("nst start-up, %d px, 1 iteration, network cache %s, median of %d runs (s since launch)\n\n", a.size,
              a.network_cache.c_str(), a.runs);
  std::printf("| phase | median s | min s | max s | step s | what is done |\n|---|---|---|---|---|---|\n");
  double previous = 0;
  for (const auto& phase : kPhases) {
    const auto& v = seconds[phase];
    if (v.empty()) continue;
    const double median = median_of(v);
    std::printf("| %s | %s | %s | %s | %s | %s |\n", phase.c_str(), fmt(median, 3).c_str(),
                fmt(*std::min_element(v.begin(), v.end()), 3).c_str(), fmt(*std::max_element(v.begin(), v.end()), 3).c_str(),
                fmt(median - previous, 3).c_str(), kMeaning.at(phase).c_str());
    out["phases"][phase] = {{"median", median}, {"runs", v}};
    previous = median;
  }
  std::printf("\n`nst --help`: median %s s; iteration 1 used %s evaluations (median)\n",
              fmt(median_of(help_seconds), 3).c_str(), fmt(median_of(evaluations), 0).c_str());
  out["help_seconds"] = {{"median", median_of(help_seconds)}, {"runs", help_seconds}};
  out["first_iteration_evaluations"] = median_of(evaluations);
  std::ofstream(a.json_path) << out.dump(2) << "\n";
  return 0;
}
