// Shards of a batch: which rows this process runs, from --shard or the scheduler's environment.
#include <cstdio>
#include <string>

#include "nst/batch.h"
#include "nst/error.h"

namespace nst {
namespace {

bool parse_int(const char* text, long long& value) {
  if (!text || !*text) return false;
  int used = 0;
  return std::sscanf(text, "%lld%n", &value, &used) == 1 && text[used] == '\0';
}

Shard checked(long long index, long long count, const std::string& from) {
  NST_CHECK(count >= 1 && count <= 1'000'000 && index >= 0 && index < count, kUsage,
            from + ": shard " + std::to_string(index) + "/" + std::to_string(count) +
                " is not within 0/N..N-1/N (N >= 1)");
  return {static_cast<int>(index), static_cast<int>(count)};
}

}  // namespace

Shard parse_shard(const std::string& text) {
  long long index = 0, count = 0;
  int used = 0;
  NST_CHECK(std::sscanf(text.c_str(), "%lld/%lld%n", &index, &count, &used) == 2 &&
                used == static_cast<int>(text.size()),
            kUsage, "--shard must be I/N (e.g. 0/4), got '" + text + "'");
  return checked(index, count, "--shard " + text);
}

Shard shard_from_environment(const std::function<const char*(const char*)>& getenv, int count) {
  long long id = 0, n = 0, lo = 0, hi = 0;
  if (getenv("SLURM_ARRAY_TASK_ID")) {
    NST_CHECK(parse_int(getenv("SLURM_ARRAY_TASK_ID"), id), kUsage, "SLURM_ARRAY_TASK_ID is not a number");
    // An array 0-9 or 1-10 both become shards 0..9; a stepped or sparse array needs --shard.
    const bool has_min = parse_int(getenv("SLURM_ARRAY_TASK_MIN"), lo);
    if (count > 0) return checked(id - (has_min ? lo : 0), count, "SLURM_ARRAY_TASK_ID with --shard-count");
    if (parse_int(getenv("SLURM_ARRAY_TASK_COUNT"), n) && has_min) return checked(id - lo, n, "SLURM_ARRAY_TASK_*");
    if (has_min && parse_int(getenv("SLURM_ARRAY_TASK_MAX"), hi)) {
      return checked(id - lo, hi - lo + 1, "SLURM_ARRAY_TASK_*");
    }
    if (parse_int(getenv("SLURM_ARRAY_TASK_COUNT"), n)) return checked(id, n, "SLURM_ARRAY_TASK_*");
    fail(ErrorKind::kUsage, "SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT or MIN/MAX: give --shard I/N");
  }
  if (getenv("JOB_COMPLETION_INDEX")) {
    NST_CHECK(parse_int(getenv("JOB_COMPLETION_INDEX"), id), kUsage, "JOB_COMPLETION_INDEX is not a number");
    NST_CHECK(count > 0, kUsage, "JOB_COMPLETION_INDEX is set: give --shard-count (the Job's completions)");
    return checked(id, count, "JOB_COMPLETION_INDEX with --shard-count");
  }
  NST_CHECK(count == 0, kUsage,
            "--shard-count needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment (or give --shard I/N)");
  return {0, 1};
}

}  // namespace nst
