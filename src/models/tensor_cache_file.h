#pragma once
// A cache file of float32 tensors (the embedded network's weights, generated once per machine):
// header = magic, format version, an identity line (what the tensors are a function of), the
// shapes, one XXH64 per tensor; then the raw floats in native byte order. A reader that expects
// another identity or other shapes, or finds the file short, long or damaged, gets nothing: the
// caller makes the tensors again. Never throws: a cache is an optimization, not an input.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nst::detail {

using TensorShapes = std::vector<std::vector<int64_t>>;

/// The tensors stored in `path` under `identity` with exactly `shapes`, or nullopt.
std::optional<std::vector<at::Tensor>> read_tensor_cache(const std::string& path, const std::string& identity,
                                                         const TensorShapes& shapes);
/// Writes contiguous float32 CPU `tensors` to `path` atomically (temp file + rename), creating its
/// folder; false when that fails (read-only or full disk, no folder), never an exception.
bool write_tensor_cache(const std::string& path, const std::string& identity, const std::vector<at::Tensor>& tensors);

}  // namespace nst::detail
