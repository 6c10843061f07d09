// `nst batch`: many style-transfer jobs from a manifest (or a folder crossed with styles), one
// network per process, resumable, sharded for Slurm job arrays and Kubernetes Indexed Jobs.
// The library (nst/batch.h) does the work; this file parses flags and prints one line per row.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/batch.h"
#include "nst/error.h"
#include "nst/runtime.h"
#include "nst/weights.h"
#include "options.h"

namespace nst::cli {
namespace {

struct BatchArgs {
  std::string manifest, content_dir, output_dir = ".", shard;
  std::vector<std::string> styles, sets;
  int shard_count = 0;
  bool status = false, json = false;
  NetworkFlags net;
};

std::vector<BatchJob> load_jobs(const BatchArgs& a) {
  NST_CHECK(a.manifest.empty() != a.content_dir.empty(), kUsage, "give a MANIFEST or --content-dir (not both)");
  if (!a.content_dir.empty()) return cross_product_jobs(a.content_dir, a.styles, a.output_dir);
  NST_CHECK(a.styles.empty(), kUsage, "--style goes with --content-dir; a manifest names its styles per row");
  return read_manifest(a.manifest);
}

BatchPlan make_plan(const BatchArgs& a) {
  BatchPlan plan;
  plan.base.style = style_defaults(a.net.weights);
  apply_network_flags(a.net, plan.base.style);
  plan.base.size = kStyleSize;
  plan.trained_weights = !a.net.embedded();
  plan.network = a.net.weights + " " + a.net.model + (a.net.preprocess.empty() ? "" : " " + a.net.preprocess);
  for (const auto& set : a.sets) {
    const auto eq = set.find('=');
    NST_CHECK(eq != std::string::npos && eq > 0, kUsage, "--set must be KEY=VALUE, got '" + set + "'");
    plan.overrides[set.substr(0, eq)] = set.substr(eq + 1);
  }
  return plan;
}

int status(const BatchArgs& a, const std::vector<BatchJob>& jobs, const BatchPlan& plan) {
  // Only an explicit --shard narrows the report: in a job array's environment it is still the whole batch.
  const Shard shard = a.shard.empty() ? Shard{} : parse_shard(a.shard);
  std::map<JobState, int> counts;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& job : jobs) {
    if (!in_shard(job.row, shard)) continue;
    const JobState state = plan.state(job);
    ++counts[state];
    const auto sidecar = read_sidecar(sidecar_path(job.output));
    nlohmann::json row = {{"row", job.row}, {"output", job.output}, {"state", to_string(state)}};
    if (sidecar && state != JobState::kPending) {
      row["seconds"] = sidecar->seconds;
      row["loss"] = sidecar->loss;
      if (!sidecar->error.empty()) row["error"] = sidecar->error;
    }
    rows.push_back(row);
  }
  const int done = counts[JobState::kDone], failed = counts[JobState::kFailed], pending = counts[JobState::kPending];
  if (a.json) {
    std::printf("%s\n", nlohmann::json({{"done", done}, {"failed", failed}, {"pending", pending}, {"rows", rows}})
                            .dump(1)
                            .c_str());
  } else {
    std::printf("%d rows: %d done, %d failed, %d pending\n", done + failed + pending, done, failed, pending);
  }
  return kExitOk;
}

int run(BatchArgs& a) {
  const std::vector<BatchJob> jobs = load_jobs(a);
  const BatchPlan plan = make_plan(a);
  for (const auto& job : jobs) plan.settings(job);  // every row's options checked before any work
  if (a.status) return status(a, jobs, plan);
  const Shard shard = a.shard.empty() ? shard_from_environment(std::getenv, a.shard_count) : parse_shard(a.shard);
  const int threads = configure_runtime(a.net.threads);
  const VggWeights weights = a.net.load();
  int rows = 0;
  for (const auto& job : jobs) rows += in_shard(job.row, shard);
  std::fprintf(stderr, "nst: batch of %zu rows, shard %d/%d: %d rows; %s, %d threads, weights %s\n", jobs.size(),
               shard.index, shard.count, rows, a.net.device.c_str(), threads, weights.source.c_str());

  install_interrupt_handler();
  BatchRunner runner(weights, plan);
  const BatchSummary summary = runner.run(
      jobs, shard, [](const IterationReport&, const at::Tensor&) { return !interrupted(); },
      [] { return !interrupted(); },
      [](const BatchRowReport& r) {
        if (r.outcome == "failed") {
          std::fprintf(stderr, "nst: row %d failed: %s\n", r.job->row, r.message.c_str());
        } else if (r.outcome == "skipped") {
          std::fprintf(stderr, "nst: row %d skipped: %s is done\n", r.job->row, r.job->output.c_str());
        } else {
          std::fprintf(stderr, "nst: row %d %s: %s, %d iterations, loss %.6e, %.1fs\n", r.job->row, r.outcome.c_str(),
                       r.job->output.c_str(), r.iterations, r.loss, r.seconds);
        }
      });
  std::fprintf(stderr, "nst: batch shard %d/%d: %d done, %d skipped, %d failed%s (style features reused %d of %d)\n",
               shard.index, shard.count, summary.done, summary.skipped, summary.failed,
               summary.interrupted ? ", interrupted" : "", runner.feature_hits(),
               runner.feature_hits() + runner.feature_misses());
  if (summary.interrupted) return kExitInterrupted;
  return summary.failed > 0 ? kExitFailure : kExitOk;
}

std::string keys_help() {
  JobSettings defaults;  // what a row gets with the embedded network and no --set
  defaults.style = style_defaults("embedded");
  defaults.size = kStyleSize;
  std::string text = "Row options (manifest columns / JSON keys, and --set KEY=VALUE), named as nst style's flags:\n";
  for (const auto& k : job_option_keys()) {
    text += std::string("  ") + k.name + ": " + k.help + " [" + k.value(defaults) + "]\n";
  }
  return text + "[Defaults] for the embedded network, as nst style's (trained weights: see nst style --help).\n"
                "Paths in a manifest are relative to its folder. A row runs unless OUTPUT and OUTPUT.json record it\n"
                "done with the same options; exit 1 when a row failed, 130 after Ctrl-C.";
}

}  // namespace

void add_batch_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<BatchArgs>();
  const StyleOptions e;
  CLI::App* cmd = app.add_subcommand(
      "batch", "Many style transfers: a CSV or JSON-lines manifest (content,style,output,options...), resumable "
               "and sharded (Slurm arrays, Kubernetes Indexed Jobs)");
  cmd->add_option("manifest", a->manifest, "CSV (header: content,style,output,KEY...) or JSON lines; "
                                           "styles in one cell separated by ';' are blended");
  cmd->add_option("--content-dir", a->content_dir,
                  "Instead of a manifest: every image in this folder with each --style");
  add_style_images(cmd, a->styles);
  cmd->add_option("--output-dir", a->output_dir, "With --content-dir: where CONTENT-STYLE.png go (created)")
      ->capture_default_str();
  cmd->add_option("--set", a->sets, "KEY=VALUE for every row unless the row gives KEY (repeatable; keys below)");
  cmd->add_option("--shard", a->shard,
                  "Run rows i with (i-1) mod N == I only (default: from SLURM_ARRAY_TASK_ID/COUNT, or "
                  "JOB_COMPLETION_INDEX with --shard-count; else 0/1)");
  cmd->add_option("--shard-count", a->shard_count, "Shards in all, with Kubernetes' JOB_COMPLETION_INDEX");
  cmd->add_flag("--status", a->status, "Print done/failed/pending counts from the sidecars; run nothing");
  add_json(cmd, a->json);
  add_network_flags(cmd, a->net, "auto", e.device, e.precision);
  cmd->footer(keys_help());
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
