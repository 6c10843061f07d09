// The checkpoint file (nst/checkpoint.h): safetensors, so any safetensors reader can look inside.
// Tensors: "image" and "optimizer/NAME" in their own dtypes (float16 history pairs stay float16,
// the L-BFGS-B tables float64). __metadata__: the run's position, the optimizer's scalars and
// the fingerprint (JSON text; numbers as shortest round-trip text, so doubles come back exact),
// and a SHA-256 over the tensors' bytes, so a damaged file is refused rather than resumed.
#include <ATen/ATen.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "nst/checkpoint.h"
#include "nst/error.h"
#include "nst/weights.h"
#include "weights/sha256.h"

namespace nst {
namespace {

constexpr const char* kFormatName = "nst style checkpoint";
constexpr const char* kVersion = "1";
constexpr const char* kOptimizerPrefix = "optimizer/";

// Shortest text that reads back as exactly v ("inf", "nan" included).
std::string exact(double v) {
  char text[40];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v || std::isnan(v)) break;
  }
  return text;
}

double number(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  NST_CHECK(!text.empty() && *end == '\0', kFormat, "checkpoint: " + what + " is not a number: '" + text + "'");
  return v;
}

int integer(const std::map<std::string, std::string>& meta, const std::string& key) {
  const auto it = meta.find(key);
  NST_CHECK(it != meta.end(), kFormat, "checkpoint lacks '" + key + "'");
  const double v = number(it->second, key);
  NST_CHECK(v == std::floor(v) && v >= 0 && v <= 1e9, kFormat, "checkpoint: '" + key + "' must be a count");
  return static_cast<int>(v);
}

// SHA-256 over each tensor's name, dtype, shape and bytes (hashes of hashes: no copy of the data).
std::string checksum(const StateDict& tensors) {
  std::string digests;
  for (const auto& [key, tensor] : tensors) {
    const at::Tensor t = tensor.contiguous();
    std::string head = key + "|" + c10::toString(t.scalar_type()) + "|";
    for (int64_t d : t.sizes()) head += std::to_string(d) + ",";
    digests += detail::sha256_hex(reinterpret_cast<const uint8_t*>(head.data()), head.size());
    digests += detail::sha256_hex(static_cast<const uint8_t*>(t.data_ptr()), t.nbytes());
  }
  return detail::sha256_hex(reinterpret_cast<const uint8_t*>(digests.data()), digests.size());
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::error_code ec;
  NST_CHECK(std::filesystem::is_regular_file(path, ec), kIo, "checkpoint not found: " + path);
  std::ifstream in(path, std::ios::binary);
  NST_CHECK(in.good(), kIo, "cannot open checkpoint " + path);
  std::vector<uint8_t> bytes(std::filesystem::file_size(path, ec));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  NST_CHECK(in.gcount() == static_cast<std::streamsize>(bytes.size()), kIo, "cannot read checkpoint " + path);
  return bytes;
}

}  // namespace

void check_fingerprint(const Fingerprint& checkpoint, const Fingerprint& current, const std::string& what) {
  std::map<std::string, std::string> saved(checkpoint.begin(), checkpoint.end());
  for (const auto& [key, value] : current) {
    const auto it = saved.find(key);
    NST_CHECK(it != saved.end(), kUsage, what + " was made without " + key + " (another configuration)");
    NST_CHECK(it->second == value, kUsage,
              what + " is of another configuration: " + key + " is " + value + " here, " + it->second + " there");
    saved.erase(it);
  }
  NST_CHECK(saved.empty(), kUsage, what + " has " + (saved.empty() ? "" : saved.begin()->first) +
                                       ", unknown here (another configuration or nst version)");
}

void write_checkpoint(const std::string& path, const StyleCheckpoint& c) {
  NST_CHECK(c.image.defined(), kUsage, "checkpoint: no image to write");
  StateDict tensors;
  tensors.emplace_back("image", c.image.detach().to(at::kCPU, at::kFloat).contiguous());
  for (const auto& [key, t] : c.optimizer.tensors) {
    tensors.emplace_back(kOptimizerPrefix + key, t.detach().to(at::kCPU).contiguous());
  }
  nlohmann::json scalars = nlohmann::json::object();
  for (const auto& [key, v] : c.optimizer.scalars) scalars[key] = exact(v);
  nlohmann::json fingerprint = nlohmann::json::array();
  for (const auto& [key, value] : c.fingerprint) fingerprint.push_back({key, value});
  const std::map<std::string, std::string> meta = {
      {"format", kFormatName},
      {"version", kVersion},
      {"scale", std::to_string(c.scale)},
      {"stage", std::to_string(c.stage)},
      {"iteration", std::to_string(c.iteration)},
      {"evaluations", std::to_string(c.evaluations)},
      {"seconds", exact(c.seconds)},
      {"flat_iterations", std::to_string(c.flat_iterations)},
      {"previous_loss", exact(c.previous_loss)},
      {"optimizer.kind", c.optimizer.kind},
      {"optimizer.scalars", scalars.dump()},
      {"fingerprint", fingerprint.dump()},
      {"checksum", checksum(tensors)},
  };
  write_safetensors(path, tensors, meta, /*keep_dtypes=*/true);
}

StyleCheckpoint read_checkpoint(const std::string& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  std::map<std::string, std::string> meta;
  StateDict tensors;
  try {
    tensors = parse_safetensors(bytes.data(), bytes.size(), &meta, /*keep_dtypes=*/true);
  } catch (const Error& e) {
    fail(ErrorKind::kFormat, path + " is not an nst checkpoint (" + e.what() + ")");
  }
  NST_CHECK(meta.count("format") && meta["format"] == kFormatName, kFormat,
            path + " is not an nst style checkpoint (written by nst style --checkpoint)");
  NST_CHECK(meta["version"] == kVersion, kFormat,
            path + " is a version " + meta["version"] + " checkpoint; this nst reads version " + kVersion);
  NST_CHECK(meta.count("checksum") && meta["checksum"] == checksum(tensors), kFormat,
            path + " is damaged: its data does not match its checksum");
  StyleCheckpoint c;
  try {
    c.scale = integer(meta, "scale");
    c.stage = integer(meta, "stage");
    c.iteration = integer(meta, "iteration");
    c.evaluations = integer(meta, "evaluations");
    c.flat_iterations = integer(meta, "flat_iterations");
    c.seconds = number(meta["seconds"], "seconds");
    c.previous_loss = number(meta["previous_loss"], "previous_loss");
    c.optimizer.kind = meta["optimizer.kind"];
    const nlohmann::json scalars = nlohmann::json::parse(meta["optimizer.scalars"]);
    for (auto it = scalars.begin(); it != scalars.end(); ++it) {
      c.optimizer.scalars[it.key()] = number(it.value().get<std::string>(), it.key());
    }
    for (const auto& entry : nlohmann::json::parse(meta["fingerprint"])) {
      c.fingerprint.emplace_back(entry.at(0).get<std::string>(), entry.at(1).get<std::string>());
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::kFormat, path + " is damaged: " + e.what());
  } catch (const Error& e) {
    fail(ErrorKind::kFormat, path + ": " + e.what());
  }
  const std::string prefix = kOptimizerPrefix;
  for (auto& [key, t] : tensors) {
    if (key == "image") {
      c.image = t;
    } else if (key.rfind(prefix, 0) == 0) {
      c.optimizer.tensors[key.substr(prefix.size())] = t;
    }
  }
  NST_CHECK(c.image.defined() && c.image.dim() == 4 && c.image.size(0) == 1 && c.image.size(1) == 3 &&
                c.image.scalar_type() == at::kFloat,
            kFormat, path + " is damaged: it lacks a 1x3xHxW float32 image");
  return c;
}

}  // namespace nst
