#pragma once
// File helpers the weight-loader and cache tests share: fixture paths, whole-file reads, and
// environment variables set for one test.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace nst::test {

using Bytes = std::vector<uint8_t>;

/// Path of a file under tests/fixtures/.
inline std::string fixture(const std::string& name) {
  return std::string(NST_SOURCE_DIR) + "/tests/fixtures/" + name;
}

/// The whole file; a missing file fails the test (and gives an empty buffer).
inline Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Sets (or, with nullptr, unsets) an environment variable for one test, then restores it.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~EnvVar() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace nst::test
