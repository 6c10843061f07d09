#include "common.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "nst/error.h"
#include "nst/memory_plan.h"
#include "startup_marks.h"

namespace nst::cli {

std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    NST_CHECK(!item.empty(), kUsage, option + ": empty item in list '" + text + "'");
    items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::vector<double> parse_numbers(const std::string& text, const std::string& option) {
  std::vector<double> values;
  for (const auto& item : split_list(text, option)) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    NST_CHECK(end && *end == '\0', kUsage, option + ": '" + item + "' is not a number");
    values.push_back(v);
  }
  return values;
}

void check_output_path(const std::string& output, const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& input : inputs) {
    if (input.empty()) continue;
    if (fs::exists(output, ec) && fs::equivalent(output, input, ec)) {
      fail(ErrorKind::kUsage, "output " + output + " is an input file; refusing to overwrite it");
    }
  }
  fs::path folder = fs::path(output).has_parent_path() ? fs::path(output).parent_path() : fs::path(".");
  NST_CHECK(fs::is_directory(folder, ec), kIo, "output folder does not exist: " + folder.string());
}

std::string format_gib(uint64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buffer;
}

uint64_t memory_budget(double limit_gib) {
  NST_CHECK(limit_gib >= 0 && std::isfinite(limit_gib), kUsage, "--memory-limit must be >= 0 GiB");
  return limit_gib > 0 ? static_cast<uint64_t>(limit_gib * (1ull << 30)) : available_memory_bytes();
}

std::string numbered_path(const std::string& path, int iteration) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "_" + std::to_string(iteration) + p.extension().string())).string();
}

TraceWriter::TraceWriter(const std::string& path) {
  file_ = std::fopen(path.c_str(), "w");
  NST_CHECK(file_, kIo, "cannot write trace file " + path);
}

TraceWriter::~TraceWriter() {
  if (file_) std::fclose(file_);
}

void TraceWriter::write(const IterationReport& r) {
  nlohmann::json line = {{"iteration", r.iteration},   {"seconds", r.seconds},
                         {"loss", r.loss},             {"parts", r.parts},
                         {"evaluations", r.evaluations}, {"total_evaluations", r.total_evaluations},
                         {"step_size", r.step_size}};
  if (!r.event.empty()) line["event"] = r.event;
  if (!wrote_startup_) {  // the first line: when this process passed its start-up milestones
    mark_startup("first iteration");
    nlohmann::json startup = nlohmann::json::object();
    for (const auto& [name, clock] : startup_marks()) startup[name] = clock;
    line["startup"] = startup;
    wrote_startup_ = true;
  }
  std::fprintf(file_, "%s\n", line.dump().c_str());
  std::fflush(file_);
}

}  // namespace nst::cli
