#pragma once
// Many style-transfer jobs in one process (nst batch): a manifest of rows (content, styles,
// output, per-row options), each row's settings from one table of option keys, deterministic
// shards for Slurm job arrays and Kubernetes Indexed Jobs, and a sidecar JSON per output so that
// a rerun skips finished rows. The network is loaded once; the decoded style images and their
// features are reused across rows. The library never prints: the runner reports per row.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nst/network.h"
#include "nst/progress.h"
#include "nst/stylize.h"

namespace nst {

// ---- Manifest

/// One job: a manifest row.
struct BatchJob {
  int row = 0;                                 ///< 1-based data row (the header is not counted)
  std::string content;                         ///< content image path
  std::vector<std::string> styles;             ///< style image paths (a cell "a.jpg;b.jpg" blends two)
  std::string output;                          ///< output image path
  std::map<std::string, std::string> options;  ///< option key -> value text, as written in the row
  /// content|style|output as written in the manifest, before paths are resolved: part of the
  /// job's hash, so that the same manifest read from another folder or mount is the same job.
  std::string written;
};

/// Throws nst::Error(kUsage) naming both rows when two jobs write the same output.
void check_unique_outputs(const std::vector<BatchJob>& jobs, const std::string& name);

/// Parses a CSV manifest: a header row naming the columns content, style, output and then any
/// option key (job_option_keys()); "" quoting as RFC 4180; empty cells take the command line's
/// value. Relative paths are taken relative to `base_dir`. Throws nst::Error(kUsage) naming
/// `name`, the row and the column or key that is wrong.
std::vector<BatchJob> parse_manifest_csv(std::string_view text, const std::string& name, const std::string& base_dir);
/// The same for JSON lines: one object a line with the same keys ("style" a string with ';' or
/// an array); blank lines are skipped; numbers and booleans are taken as written.
std::vector<BatchJob> parse_manifest_jsonl(std::string_view text, const std::string& name,
                                           const std::string& base_dir);
/// Reads a manifest file: JSON lines when its first non-blank character is '{', else CSV.
std::vector<BatchJob> read_manifest(const std::string& path);
/// Every image in content_dir (sorted by name) with every style, one style per job; outputs
/// output_dir/CONTENT_STEM-STYLE_STEM.EXT. Throws when the folder holds no image.
std::vector<BatchJob> cross_product_jobs(const std::string& content_dir, const std::vector<std::string>& styles,
                                         const std::string& output_dir, const std::string& extension = ".png");

// ---- Options of a job

/// Everything one job is run with: the style options plus what `nst style` takes besides them.
struct JobSettings {
  StyleOptions style;
  int size = 0;               ///< longest content side in px (16..kMaxImageSide); the front end sets its default
  double style_scale = 1.0;   ///< style image size relative to `size`
  bool original_colors = false;
};

/// One option key: its name (nst style's long flag, '-' written '_'), help, and how it is applied.
struct JobOptionKey {
  const char* name;
  const char* help;
  std::string (*value)(const JobSettings& settings);  ///< the key's value in settings, as text (--help's default)
  void (*apply)(JobSettings& settings, const std::string& value);  ///< throws nst::Error(kUsage) on a bad value
};
/// The table of keys a manifest row (or nst batch --set) may give, in help order.
const std::vector<JobOptionKey>& job_option_keys();

/// The settings of one job: `base` (the command line's, with the network's defaults), then
/// `overrides` (command line key=value), then the row's own options. As in nst style, without an
/// explicit style_weight the style loss's default weight is used (default_style_weight), and
/// without learning_rate the optimizer's default step. Keys are accepted with '-' or '_'.
/// Throws nst::Error(kUsage) "ROW_NAME: unknown key 'k'" or naming the bad value.
JobSettings resolve_job_settings(const JobSettings& base, bool trained_weights,
                                 const std::map<std::string, std::string>& overrides, const BatchJob& job,
                                 const std::string& row_name);

// ---- Shards

/// Shard `index` of `count` (0 <= index < count): rows i with (i - 1) mod count == index.
struct Shard {
  int index = 0;
  int count = 1;
};
/// "I/N" -> Shard; throws nst::Error(kUsage) unless 0 <= I < N.
Shard parse_shard(const std::string& text);
/// The shard a scheduler gives this process, from environment variables read by `getenv`:
/// Slurm job arrays (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or with MIN and MAX),
/// else Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX with `count`, which must then be > 0).
/// Outside both: shard 0/1. Throws nst::Error(kUsage) on inconsistent values.
Shard shard_from_environment(const std::function<const char*(const char*)>& getenv, int count = 0);
/// Whether job row `row` (1-based) belongs to `shard`.
inline bool in_shard(int row, const Shard& shard) { return (row - 1) % shard.count == shard.index; }

// ---- Sidecars: OUTPUT.json beside each output

/// What a sidecar records about one job's output.
struct Sidecar {
  std::string status;        ///< "done" | "failed" | "interrupted"
  std::string options_hash;  ///< job_hash() of the settings that made it
  std::string nst_version;
  double loss = 0;
  double seconds = 0;
  int iterations = 0;
  int row = 0;
  std::string error;         ///< why, when failed
  std::string finished_at;   ///< UTC, ISO 8601
};
/// "out/a.png" -> "out/a.png.json".
std::string sidecar_path(const std::string& output);
/// Reads a sidecar; nullopt when it is missing or unreadable (a torn or foreign file is not trusted).
std::optional<Sidecar> read_sidecar(const std::string& path);
/// Writes it atomically (temp file + rename).
void write_sidecar(const std::string& path, const Sidecar& sidecar);
/// SHA-256 (hex) of everything that decides a job's output: the resolved settings, the paths as
/// the manifest wrote them (BatchJob::written), the inputs' sizes in bytes and the network.
std::string job_hash(const BatchJob& job, const JobSettings& settings, const std::string& network_source);

/// A job's state on disk.
enum class JobState {
  kDone,     ///< output and sidecar exist, the sidecar says done with this hash: skipped on rerun
  kFailed,   ///< the sidecar says failed with this hash: retried on rerun
  kPending,  ///< no output or sidecar, another hash (changed row), or interrupted
};
JobState job_state(const std::string& output, const std::string& hash);
/// "done" | "failed" | "pending".
std::string to_string(JobState state);

/// nst's version ("0.1.0"), recorded in sidecars.
std::string nst_version();

// ---- Runner

/// What happened to one job (reported as soon as it ends).
struct BatchRowReport {
  const BatchJob* job = nullptr;
  std::string outcome;  ///< "done" | "skipped" | "failed" | "interrupted"
  std::string message;  ///< one line: the error of a failed row
  double loss = 0;
  double seconds = 0;   ///< of this row, reading the images included
  int iterations = 0;
};

/// Counts over the jobs of one run (of this shard).
struct BatchSummary {
  int done = 0, skipped = 0, failed = 0;
  bool interrupted = false;  ///< stopped by the progress callback; the current row's image was saved
};

/// How a batch resolves its rows: the command line's settings and key=value overrides, and
/// the network's identity (its flags), which together with a row decide its output.
struct BatchPlan {
  JobSettings base;                              ///< the command line's settings, network defaults applied
  bool trained_weights = false;                  ///< per-loss default style weight as in nst style
  std::map<std::string, std::string> overrides;  ///< nst batch --set key=value
  std::string network;                           ///< e.g. "embedded vgg19": part of every job's hash

  /// The settings of a job (resolve_job_settings); throws nst::Error(kUsage).
  JobSettings settings(const BatchJob& job) const;
  /// job_hash() of the job under these settings.
  std::string hash(const BatchJob& job, const JobSettings& settings) const;
  /// The job's state on disk; kFailed too when its settings are invalid.
  JobState state(const BatchJob& job) const;
};

/// Runs jobs with one network, reusing each style image (decoded, resized) and its features
/// across rows. Rows fail one by one: a bad row is reported and the next one runs.
class BatchRunner {
 public:
  BatchRunner(const VggWeights& weights, BatchPlan plan) : weights_(weights), plan_(std::move(plan)) {}

  /// Runs the jobs of `shard` in order. `progress` sees every iteration (returning false stops
  /// the batch after the current row's image and sidecar are written); `keep_going` is asked
  /// before each row (false: stop there); `report` sees each row as it ends.
  BatchSummary run(const std::vector<BatchJob>& jobs, const Shard& shard, const ProgressCallback& progress,
                   const std::function<bool()>& keep_going,
                   const std::function<void(const BatchRowReport&)>& report);
  /// Style feature look-ups served from the cache / computed, over all rows so far.
  int feature_hits() const { return feature_cache_.hits(); }
  int feature_misses() const { return feature_cache_.misses(); }

 private:
  const at::Tensor& style_image(const std::string& path, int longest_side);

  const VggWeights& weights_;
  BatchPlan plan_;
  std::map<std::pair<std::string, int>, at::Tensor> style_images_;
  StyleFeatureCache feature_cache_;
};

}  // namespace nst
