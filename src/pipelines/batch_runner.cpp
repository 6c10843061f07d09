// The batch runner: one network for all rows, finished rows skipped, failed rows reported.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "nst/batch.h"
#include "nst/error.h"
#include "nst/image.h"

namespace nst {
namespace {

namespace fs = std::filesystem;

/// Style images kept decoded: a few dozen at most (each is one image's pixels).
constexpr size_t kMaxStyleImages = 32;

void check_output_not_input(const BatchJob& job) {
  std::error_code ec;
  if (!fs::exists(job.output, ec)) return;
  std::vector<std::string> inputs = job.styles;
  inputs.push_back(job.content);
  for (const auto& input : inputs) {
    if (fs::equivalent(job.output, input, ec)) fail(ErrorKind::kUsage, "output " + job.output + " is an input file");
  }
}

}  // namespace

JobSettings BatchPlan::settings(const BatchJob& job) const {
  return resolve_job_settings(base, trained_weights, overrides, job, "row " + std::to_string(job.row));
}

std::string BatchPlan::hash(const BatchJob& job, const JobSettings& s) const { return job_hash(job, s, network); }

JobState BatchPlan::state(const BatchJob& job) const {
  try {
    return job_state(job.output, hash(job, settings(job)));
  } catch (const Error&) {
    return JobState::kFailed;
  }
}

const at::Tensor& BatchRunner::style_image(const std::string& path, int longest_side) {
  const auto key = std::make_pair(path, longest_side);
  auto it = style_images_.find(key);
  if (it != style_images_.end()) return it->second;
  if (style_images_.size() >= kMaxStyleImages) style_images_.clear();
  return style_images_[key] = read_image(path, longest_side);
}

BatchSummary BatchRunner::run(const std::vector<BatchJob>& jobs, const Shard& shard, const ProgressCallback& progress,
                              const std::function<bool()>& keep_going,
                              const std::function<void(const BatchRowReport&)>& report) {
  BatchSummary summary;
  bool stop = false;
  const ProgressCallback watch = [&](const IterationReport& r, const at::Tensor& image) {
    if (progress && !progress(r, image)) stop = true;
    return !stop;
  };
  for (const BatchJob& job : jobs) {
    if (!in_shard(job.row, shard)) continue;
    if (stop || (keep_going && !keep_going())) {
      summary.interrupted = true;
      break;
    }
    const auto start = std::chrono::steady_clock::now();
    BatchRowReport row;
    row.job = &job;
    Sidecar sidecar;
    sidecar.row = job.row;
    try {
      const JobSettings s = plan_.settings(job);
      sidecar.options_hash = plan_.hash(job, s);
      if (job_state(job.output, sidecar.options_hash) == JobState::kDone) {
        row.outcome = "skipped";
        ++summary.skipped;
        if (report) report(row);
        continue;
      }
      check_output_not_input(job);
      std::error_code ec;
      const fs::path folder = fs::path(job.output).parent_path();
      if (!folder.empty()) fs::create_directories(folder, ec);  // AtomicFile names it if this failed
      const at::Tensor content = read_image(job.content, s.size);
      std::vector<at::Tensor> styles;
      const int style_side = std::max(16, static_cast<int>(std::lround(s.size * s.style_scale)));
      for (const auto& path : job.styles) styles.push_back(style_image(path, style_side));
      check_layer_names(weights_.arch, s.style.content_layers);
      check_layer_names(weights_.arch, s.style.style_layers);
      check_style_image_sizes(weights_, s.style, content, styles);
      const StyleResult result = run_style(weights_, content, styles, s.style, watch, &feature_cache_);
      write_image(s.original_colors ? transfer_original_colors(content, result.image) : result.image, job.output);
      const bool aborted = result.stop == StopReason::kAborted;
      row.outcome = aborted ? "interrupted" : "done";
      row.loss = result.last.loss;
      row.iterations = result.last.iteration;
    } catch (const Error& e) {
      row.outcome = "failed";
      row.message = e.what();
    } catch (const c10::Error& e) {
      row.outcome = "failed";
      row.message = e.what_without_backtrace();
    } catch (const std::exception& e) {
      row.outcome = "failed";
      row.message = e.what();
    }
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sidecar.status = row.outcome;
    sidecar.loss = row.loss;
    sidecar.seconds = row.seconds;
    sidecar.iterations = row.iterations;
    sidecar.error = row.message;
    try {
      write_sidecar(sidecar_path(job.output), sidecar);
    } catch (const Error& e) {
      row.outcome = "failed";
      row.message = e.what();
    }
    if (row.outcome == "failed") ++summary.failed;
    if (row.outcome == "done") ++summary.done;
    if (report) report(row);
  }
  if (stop) summary.interrupted = true;
  return summary;
}

}  // namespace nst
