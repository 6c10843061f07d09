// nst batch: shard assignment, scheduler environments, sidecar skip logic, and the runner on
// tiny real images (skips, reruns after a change, failed rows, stop requests, reused features).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nst/batch.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/weights.h"

namespace {

namespace fs = std::filesystem;
const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

/// A getenv over a fixed table.
std::function<const char*(const char*)> env(std::map<std::string, std::string> vars) {
  auto table = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [table](const char* name) -> const char* {
    auto it = table->find(name);
    return it == table->end() ? nullptr : it->second.c_str();
  };
}

TEST(BatchShard, RowsSplitDeterministicallyAndCompletely) {
  for (int count : {1, 2, 3, 7}) {
    std::vector<int> owners(20, -1);
    for (int index = 0; index < count; ++index) {
      for (int row = 1; row <= 20; ++row) {
        if (!nst::in_shard(row, {index, count})) continue;
        EXPECT_EQ(owners[row - 1], -1) << "row " << row << " in two shards";
        owners[row - 1] = index;
      }
    }
    for (int row = 1; row <= 20; ++row) EXPECT_EQ(owners[row - 1], (row - 1) % count);
  }
}

TEST(BatchShard, ParseAndEnvironment) {
  EXPECT_EQ(nst::parse_shard("2/5").index, 2);
  EXPECT_EQ(nst::parse_shard("2/5").count, 5);
  for (const char* bad : {"5/5", "-1/2", "1/0", "1", "1/2x", ""}) {
    EXPECT_THROW(nst::parse_shard(bad), nst::Error) << bad;
  }
  auto shard = nst::shard_from_environment(env({}));
  EXPECT_EQ(shard.index, 0);
  EXPECT_EQ(shard.count, 1);
  // sbatch --array=1-4: ids 1..4 become shards 0..3 of 4.
  shard = nst::shard_from_environment(env({{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"},
                                           {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_MAX", "4"}}));
  EXPECT_EQ(shard.index, 2);
  EXPECT_EQ(shard.count, 4);
  shard = nst::shard_from_environment(
      env({{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_MAX", "9"}}));
  EXPECT_EQ(shard.index, 5);
  EXPECT_EQ(shard.count, 10);
  shard = nst::shard_from_environment(env({{"JOB_COMPLETION_INDEX", "1"}}), 3);
  EXPECT_EQ(shard.index, 1);
  EXPECT_EQ(shard.count, 3);
  EXPECT_THROW(nst::shard_from_environment(env({{"JOB_COMPLETION_INDEX", "1"}})), nst::Error);  // no count
  EXPECT_THROW(nst::shard_from_environment(env({{"JOB_COMPLETION_INDEX", "3"}}), 3), nst::Error);
  EXPECT_THROW(nst::shard_from_environment(env({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "2"}})),
               nst::Error);
  EXPECT_THROW(nst::shard_from_environment(env({}), 4), nst::Error);  // a count without an index
}

class BatchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nst_test_batch_" + std::string(
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(BatchDir, SidecarDecidesDoneFailedPending) {
  const std::string out = path("a.png");
  EXPECT_EQ(nst::job_state(out, "h1"), nst::JobState::kPending);  // nothing yet
  nst::Sidecar s;
  s.status = "done";
  s.options_hash = "h1";
  nst::write_sidecar(nst::sidecar_path(out), s);
  EXPECT_EQ(nst::job_state(out, "h1"), nst::JobState::kPending);  // sidecar without the image
  std::ofstream(out) << "x";
  EXPECT_EQ(nst::job_state(out, "h1"), nst::JobState::kDone);
  EXPECT_EQ(nst::job_state(out, "h2"), nst::JobState::kPending);  // changed options
  s.status = "interrupted";
  nst::write_sidecar(nst::sidecar_path(out), s);
  EXPECT_EQ(nst::job_state(out, "h1"), nst::JobState::kPending);
  s.status = "failed";
  nst::write_sidecar(nst::sidecar_path(out), s);
  EXPECT_EQ(nst::job_state(out, "h1"), nst::JobState::kFailed);
  std::ofstream(nst::sidecar_path(out)) << "{\"status\": \"done\", \"options_";  // torn
  EXPECT_EQ(nst::job_state(out, "h1"), nst::JobState::kPending);
  const auto read = nst::read_sidecar(nst::sidecar_path(out));
  EXPECT_FALSE(read.has_value());
}

TEST_F(BatchDir, HashFollowsOptionsInputsAndNetwork) {
  nst::BatchJob job;
  job.content = kExamples + "chelsea.png";
  job.styles = {kExamples + "starry_night.jpg"};
  job.output = path("o.png");
  nst::JobSettings s;
  s.size = 64;
  const std::string h = nst::job_hash(job, s, "embedded vgg19");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(nst::job_hash(job, s, "embedded vgg19"), h);
  EXPECT_NE(nst::job_hash(job, s, "vgg19.pth vgg19"), h);
  nst::JobSettings t = s;
  t.style.style_weight *= 2;
  EXPECT_NE(nst::job_hash(job, t, "embedded vgg19"), h);
  t = s;
  t.style.device = "cuda";  // the device is not part of the job
  EXPECT_EQ(nst::job_hash(job, t, "embedded vgg19"), h);
  nst::BatchJob other = job;
  other.styles = {kExamples + "building.jpg"};
  EXPECT_NE(nst::job_hash(other, s, "embedded vgg19"), h);
}

const nst::VggWeights& embedded() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

nst::BatchPlan tiny_plan() {
  nst::BatchPlan plan;
  plan.base.size = 32;
  plan.base.style.iterations = 3;
  plan.base.style.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  plan.network = "embedded vgg19";
  return plan;
}

TEST_F(BatchDir, RunnerSkipsDoneRowsRedoesChangedOnesAndGoesOnAfterAFailure) {
  std::vector<nst::BatchJob> jobs(3);
  for (int i = 0; i < 3; ++i) {
    jobs[i].row = i + 1;
    jobs[i].content = kExamples + (i == 1 ? "missing.png" : "chelsea.png");
    jobs[i].styles = {kExamples + "starry_night.jpg"};
    jobs[i].output = path("out/r" + std::to_string(i + 1) + ".png");
  }
  std::vector<std::string> outcomes;
  auto record = [&](const nst::BatchRowReport& r) { outcomes.push_back(r.outcome); };
  nst::BatchRunner runner(embedded(), tiny_plan());
  nst::BatchSummary sum = runner.run(jobs, {}, nullptr, nullptr, record);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"done", "failed", "done"}));
  EXPECT_EQ(sum.done, 2);
  EXPECT_EQ(sum.failed, 1);
  EXPECT_EQ(runner.feature_hits(), 1);  // row 3 reused row 1's style features
  ASSERT_TRUE(fs::exists(path("out/r1.png")));
  const auto failed = nst::read_sidecar(path("out/r2.png.json"));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->status, "failed");
  EXPECT_NE(failed->error.find("missing.png"), std::string::npos);

  // A rerun skips the done rows and retries the failed one; a changed row runs again.
  jobs[2].options["iterations"] = "2";
  outcomes.clear();
  sum = nst::BatchRunner(embedded(), tiny_plan()).run(jobs, {}, nullptr, nullptr, record);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"skipped", "failed", "done"}));
  EXPECT_EQ(nst::read_sidecar(path("out/r3.png.json"))->iterations, 2);
  // Shard 1/2 holds row 2 only.
  outcomes.clear();
  nst::BatchRunner(embedded(), tiny_plan()).run(jobs, {1, 2}, nullptr, nullptr, record);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"failed"}));
}

TEST_F(BatchDir, StopRequestSavesTheCurrentRowAndEndsTheBatch) {
  std::vector<nst::BatchJob> jobs(2);
  for (int i = 0; i < 2; ++i) {
    jobs[i].row = i + 1;
    jobs[i].content = kExamples + "chelsea.png";
    jobs[i].styles = {kExamples + "starry_night.jpg"};
    jobs[i].output = path("s" + std::to_string(i + 1) + ".png");
  }
  std::vector<std::string> outcomes;
  const nst::BatchSummary sum = nst::BatchRunner(embedded(), tiny_plan())
                                    .run(jobs, {}, [](const nst::IterationReport& r, const at::Tensor&) {
                                      return r.iteration < 2;
                                    }, nullptr, [&](const nst::BatchRowReport& r) { outcomes.push_back(r.outcome); });
  EXPECT_TRUE(sum.interrupted);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"interrupted"}));
  EXPECT_TRUE(fs::exists(path("s1.png")));
  EXPECT_EQ(nst::read_sidecar(path("s1.png.json"))->status, "interrupted");
  EXPECT_FALSE(fs::exists(path("s2.png")));
  EXPECT_EQ(nst::job_state(path("s1.png"), tiny_plan().hash(jobs[0], tiny_plan().settings(jobs[0]))),
            nst::JobState::kPending);
}

TEST(StyleFeatureCache, SameResultAsComputingTheFeatures) {
  const at::Tensor content = nst::read_image(kExamples + "chelsea.png", 32);
  const at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 32);
  nst::StyleOptions o = tiny_plan().base.style;
  for (nst::StyleLoss loss : {nst::StyleLoss::kGram, nst::StyleLoss::kMeanCov, nst::StyleLoss::kSlicedWasserstein}) {
    o.style_loss = loss;
    nst::StyleFeatureCache cache;
    const nst::StyleResult plain = nst::run_style(embedded(), content, {style}, o);
    nst::run_style(embedded(), content, {style}, o, nullptr, &cache);
    const nst::StyleResult cached = nst::run_style(embedded(), content, {style}, o, nullptr, &cache);
    EXPECT_EQ(cache.hits(), 1);
    EXPECT_EQ(cache.misses(), 1);
    EXPECT_TRUE(at::equal(plain.image, cached.image)) << nst::to_string(loss);
    EXPECT_EQ(plain.last.loss, cached.last.loss);
  }
  // Another style image or another set-up misses.
  nst::StyleFeatureCache cache;
  o.style_loss = nst::StyleLoss::kGram;
  nst::run_style(embedded(), content, {style}, o, nullptr, &cache);
  nst::run_style(embedded(), content, {style.flip(3)}, o, nullptr, &cache);
  o.pooling = nst::Pooling::kMax;
  nst::run_style(embedded(), content, {style}, o, nullptr, &cache);
  EXPECT_EQ(cache.hits(), 0);
  EXPECT_EQ(cache.misses(), 3);
}

}  // namespace
