// `nst weights info FILE` and `nst weights convert IN OUT.safetensors`: inspect a weight file
// (format, architecture, layer shapes, input convention, SHA-256) and turn a .pth into nst's
// safetensors cache with the convention recorded in its metadata.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "common.h"
#include "nst/error.h"
#include "nst/weights.h"

namespace nst::cli {
namespace {

struct WeightsArgs {
  std::string input, output, preprocess;
};

std::string shape_of(const at::Tensor& t) {
  std::string out;
  for (int64_t d : t.sizes()) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out.empty() ? "scalar" : out;
}

int run_info(const WeightsArgs& a) {
  const WeightFile f = read_weight_file(a.input);
  std::printf("file:        %s\n", a.input.c_str());
  std::printf("format:      %s\n", to_string(f.format).c_str());
  std::printf("sha256:      %s%s%s\n", f.sha256.c_str(), f.known_as.empty() ? "" : "  = ", f.known_as.c_str());
  std::printf("tensors:     %zu (float32)\n", f.tensors.size());
  std::printf("preprocess:  %s (%s)\n", to_string(f.preprocess).c_str(), f.preprocess_reason.c_str());
  VggWeights w;
  try {
    w = vgg_from_state_dict(f.tensors, f.preprocess);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kModel) throw;
    std::printf("architecture: not a VGG this program can use (%s)\n", e.what());
    for (const auto& [key, t] : f.tensors) std::printf("  %-28s %s\n", key.c_str(), shape_of(t).c_str());
    return kExitOk;
  }
  std::printf("architecture: %s, %zu conv layers\n", to_string(w.arch).c_str(), w.weights.size());
  const auto names = conv_layer_names(w.arch);
  for (size_t i = 0; i < w.weights.size(); ++i) {
    std::printf("  %-8s weight %-12s bias %s\n", names[i].c_str(), shape_of(w.weights[i]).c_str(),
                shape_of(w.biases[i]).c_str());
  }
  return kExitOk;
}

int run_convert(const WeightsArgs& a) {
  NST_CHECK(std::filesystem::path(a.output).extension() == ".safetensors", kUsage,
            "output " + a.output + " must end in .safetensors");
  check_output_path(a.output, {a.input});
  const WeightFile f = read_weight_file(a.input);
  const Preprocess convention = a.preprocess.empty() ? f.preprocess : parse_preprocess(a.preprocess);
  const VggWeights w = vgg_from_state_dict(f.tensors, convention);
  std::map<std::string, std::string> metadata{{"preprocess", to_string(convention)},
                                              {"arch", to_string(w.arch)},
                                              {"source", std::filesystem::path(a.input).filename().string()},
                                              {"source_sha256", f.sha256}};
  auto padding = f.metadata.find("padding");
  if (padding != f.metadata.end()) metadata["padding"] = padding->second;
  write_safetensors(a.output, state_dict_from_vgg(w), metadata);
  std::fprintf(stderr, "nst: wrote %s: %s, %zu conv layers, preprocess %s (%s)\n", a.output.c_str(),
               to_string(w.arch).c_str(), w.weights.size(), to_string(convention).c_str(),
               a.preprocess.empty() ? f.preprocess_reason.c_str() : "--preprocess");
  return kExitOk;
}

}  // namespace

void add_weights_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<WeightsArgs>();
  CLI::App* cmd = app.add_subcommand("weights", "Inspect or convert VGG weight files (.pth, safetensors)");
  cmd->require_subcommand(1);
  CLI::App* info = cmd->add_subcommand("info", "Print format, architecture, layer shapes, preprocessing, SHA-256");
  info->add_option("file", a->input, "Weight file (.pth zip or legacy, safetensors)")->required();
  info->callback([a, &action] { action = [a] { return run_info(*a); }; });
  CLI::App* convert = cmd->add_subcommand("convert", "Write the VGG conv layers as safetensors (nst's cache format)");
  convert->add_option("input", a->input, "Weight file (.pth zip or legacy, safetensors)")->required();
  convert->add_option("output", a->output, "Output .safetensors file (written atomically)")->required();
  convert->add_option("--preprocess", a->preprocess, "Override the recorded input convention: caffe | torchvision");
  convert->callback([a, &action] { action = [a] { return run_convert(*a); }; });
}

}  // namespace nst::cli
