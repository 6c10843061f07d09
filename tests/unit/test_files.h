#pragma once
// File helpers the weight-loader tests share: fixture paths and whole-file reads.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
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

}  // namespace nst::test
