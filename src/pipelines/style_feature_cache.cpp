#include <ATen/ATen.h>

#include "nst/stylize.h"

namespace nst {

std::map<std::string, at::Tensor> StyleFeatureCache::features(
    const at::Tensor& image, const std::string& setup, const std::function<std::map<std::string, at::Tensor>()>& compute) {
  for (const Entry& e : entries_) {
    // Exact pixels: a cache keyed by path could serve a file changed since, or another resize.
    if (e.setup == setup && e.image.sizes() == image.sizes() && e.image.device() == image.device() &&
        at::equal(e.image, image)) {
      ++hits_;
      return e.features;
    }
  }
  ++misses_;
  Entry entry{image.clone(), setup, compute(), 0};
  for (const auto& [name, f] : entry.features) entry.bytes += static_cast<uint64_t>(f.nbytes());
  entry.bytes += static_cast<uint64_t>(entry.image.nbytes());
  while (!entries_.empty() && bytes_ + entry.bytes > max_bytes_) {
    bytes_ -= entries_.front().bytes;
    entries_.erase(entries_.begin());
  }
  if (entry.bytes > max_bytes_) return entry.features;  // too large to keep
  bytes_ += entry.bytes;
  entries_.push_back(std::move(entry));
  return entries_.back().features;
}

}  // namespace nst
