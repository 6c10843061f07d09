#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <map>

namespace nst::cli {

std::string summarize_parts(const IterationReport& report) {
  std::map<std::string, double> sums;
  for (const auto& [name, value] : report.parts) sums[name.substr(0, name.find(':'))] += value;
  std::string out;
  char buffer[64];
  for (const auto& [kind, value] : sums) {
    std::snprintf(buffer, sizeof buffer, "%s%s %.3e", out.empty() ? "" : " ", kind.c_str(), value);
    out += buffer;
  }
  return out;
}

ProgressBar::ProgressBar(int print_every, FILE* stream)
    : print_every_(print_every), stream_(stream), tty_(isatty(fileno(stream)) != 0) {}

void ProgressBar::update(const IterationReport& r) {
  const double rate = r.seconds > 0 ? r.iteration / r.seconds : 0;
  const double eta = rate > 0 ? (r.total_iterations - r.iteration) / rate : 0;
  if (tty_) {
    constexpr int kWidth = 24;
    const int filled = r.total_iterations > 0 ? kWidth * r.iteration / r.total_iterations : 0;
    std::string bar(static_cast<size_t>(std::clamp(filled, 0, kWidth)), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stream_, "\r[%s] %d/%d loss %.4e (%s) %.2f it/s ETA %.0fs\033[K", bar.c_str(), r.iteration,
                 r.total_iterations, r.loss, summarize_parts(r).c_str(), rate, eta);
    std::fflush(stream_);
    drawn_ = true;
    return;
  }
  if (print_every_ > 0 && (r.iteration % print_every_ == 0 || r.iteration == r.total_iterations || !r.event.empty())) {
    std::fprintf(stream_, "iteration %d/%d loss %.6e %s %.2f it/s %.1fs%s%s\n", r.iteration, r.total_iterations, r.loss,
                 summarize_parts(r).c_str(), rate, r.seconds, r.event.empty() ? "" : " event ", r.event.c_str());
    std::fflush(stream_);
  }
}

void ProgressBar::finish() {
  if (tty_ && drawn_) std::fprintf(stream_, "\n");
  drawn_ = false;
}

}  // namespace nst::cli
