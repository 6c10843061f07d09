#pragma once
// Helpers the benchmarks share: what machine and libraries a run used, medians, formatting.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

namespace nst::bench {

/// A "Key:   123 kB" field of /proc/self/status in MiB; -1 when absent.
inline double status_mib(const std::string& key) {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size())) / 1024.0;
  }
  return -1;
}

/// Resets the peak-RSS counter (VmHWM, and with it ru_maxrss) to the current RSS; Linux >= 4.0.
/// False when the kernel refuses (then a phase's peak cannot be told from earlier ones).
inline bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

inline std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

/// BLAS / LAPACK / oneDNN shared objects mapped into this process (which BLAS is really in use).
inline std::string blas_libraries() {
  std::ifstream f("/proc/self/maps");
  std::set<std::string> libs;
  for (std::string line; std::getline(f, line);) {
    const auto slash = line.rfind('/');
    if (slash == std::string::npos) continue;
    const std::string name = line.substr(slash + 1);
    const auto dir = line.rfind('/', slash - 1);  // keep the folder: blas/ (reference) vs openblas-openmp/
    for (const char* key : {"blas", "mkl", "lapack", "dnnl", "omp"}) {
      if (name.find(key) != std::string::npos) libs.insert(line.substr(dir + 1));
    }
  }
  std::string out;
  for (const auto& l : libs) out += (out.empty() ? "" : ", ") + l;
  return out.empty() ? "none found in /proc/self/maps" : out;
}

inline std::string torch_version() {
#ifdef TORCH_VERSION
  return TORCH_VERSION;
#else
  return "unknown (no torch/version.h)";
#endif
}

inline double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline std::string fmt(double v, int precision) {
  if (!(v > 0) || !std::isfinite(v)) return "–";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << v;
  return s.str();
}

}  // namespace nst::bench
