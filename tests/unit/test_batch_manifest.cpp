// nst batch manifests and the option-key table: good rows, and each kind of bad input named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nst/batch.h"
#include "nst/error.h"

namespace {

using nst::BatchJob;

/// The message of the nst::Error that `f` throws ("" when none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kUsage) << e.what();
    return e.what();
  }
  return "";
}

TEST(BatchManifest, CsvColumnsStylesOptionsAndPaths) {
  const auto jobs = nst::parse_manifest_csv(
      "content,style,output,style_weight,iterations\n"
      "a.png,s1.jpg,out/a.png,1e5,\n"
      "\n"
      "/abs/b.png,\"s1.jpg; s2.jpg\",out/b.png,,30\r\n",
      "m.csv", "/data");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].row, 1);
  EXPECT_EQ(jobs[0].content, "/data/a.png");  // relative to the manifest's folder
  EXPECT_EQ(jobs[0].output, "/data/out/a.png");
  EXPECT_EQ(jobs[0].options, (std::map<std::string, std::string>{{"style_weight", "1e5"}}));  // empty cell: not set
  EXPECT_EQ(jobs[1].row, 2);
  EXPECT_EQ(jobs[1].content, "/abs/b.png");
  EXPECT_EQ(jobs[1].styles, (std::vector<std::string>{"/data/s1.jpg", "/data/s2.jpg"}));
  EXPECT_EQ(jobs[1].options, (std::map<std::string, std::string>{{"iterations", "30"}}));
}

TEST(BatchManifest, CsvQuotingAndDashedKeys) {
  const auto jobs = nst::parse_manifest_csv(
      "content,style,output,style-layers\n\"a,1.png\",s.jpg,o.png,\"relu1_1,relu2_1\"\n", "m.csv", "");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].content, "a,1.png");
  EXPECT_EQ(jobs[0].options.at("style_layers"), "relu1_1,relu2_1");
}

TEST(BatchManifest, JsonLinesSameKeys) {
  const auto jobs = nst::parse_manifest_jsonl(
      "{\"content\": \"a.png\", \"style\": [\"s1.jpg\", \"s2.jpg\"], \"output\": \"o.png\", \"iterations\": 40,"
      " \"original_colors\": true}\n\n"
      "{\"content\": \"b.png\", \"style\": \"s1.jpg;s3.jpg\", \"output\": \"p.png\", \"style_weight\": 1e6}\n",
      "m.jsonl", "d");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].styles, (std::vector<std::string>{"d/s1.jpg", "d/s2.jpg"}));
  EXPECT_EQ(jobs[0].options.at("iterations"), "40");
  EXPECT_EQ(jobs[0].options.at("original_colors"), "true");
  EXPECT_EQ(jobs[1].row, 2);
  EXPECT_EQ(jobs[1].styles.size(), 2u);
  EXPECT_EQ(std::stod(jobs[1].options.at("style_weight")), 1e6);
}

TEST(BatchManifest, BadInputNamesRowAndKey) {
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("", "m.csv", ""); }),
            "m.csv: empty manifest (expected a header row: content,style,output,...)");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,style,output\n", "m.csv", ""); }),
            "m.csv: no rows after the header");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,output\na.png,o.png\n", "m.csv", ""); }),
            "m.csv: missing column 'style' in the header");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,style,output,stlye_weight\na,b,c,1\n", "m.csv", ""); }),
            "m.csv line 2: unknown key 'stlye_weight' (see nst batch --help)");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,style,output\na,b,c\na,,c\n", "m.csv", ""); }),
            "m.csv line 3: empty 'style'");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,style,output\na,b\n", "m.csv", ""); }),
            "m.csv line 2: 2 cells for 3 columns");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,style,output\n\"a,b,c\n", "m.csv", ""); }),
            "m.csv line 2: unterminated quote");
  EXPECT_EQ(error_of([] { nst::parse_manifest_jsonl("{\"content\": \"a\", \"style\": \"b\"}\n", "m.jsonl", ""); }),
            "m.jsonl line 1: missing key 'output'");
  EXPECT_EQ(error_of([] { nst::parse_manifest_jsonl("{\"content\": \"a\", \n", "m.jsonl", ""); }),
            "m.jsonl line 1: not a JSON object");
  EXPECT_EQ(error_of([] { nst::parse_manifest_jsonl("\n\n", "m.jsonl", ""); }),
            "m.jsonl: empty manifest (no JSON lines)");
  EXPECT_EQ(error_of([] { nst::parse_manifest_csv("content,style,output\na,b,o.png\nc,d,./o.png\n", "m.csv", "x"); }),
            "m.csv: rows 1 and 2 both write x/o.png");
}

TEST(BatchManifest, SameManifestFromAnotherFolderIsTheSameJob) {
  const char* text = "content,style,output\na.png,s.jpg,out/a.png\n";
  const auto here = nst::parse_manifest_csv(text, "m.csv", "/data");
  const auto mounted = nst::parse_manifest_csv(text, "m.csv", "/mnt/cluster/data");
  nst::JobSettings s;
  s.size = 64;
  EXPECT_NE(here[0].output, mounted[0].output);
  EXPECT_EQ(nst::job_hash(here[0], s, "embedded"), nst::job_hash(mounted[0], s, "embedded"));
  const auto other = nst::parse_manifest_csv("content,style,output\na.png,s.jpg,out/b.png\n", "m.csv", "/data");
  EXPECT_NE(nst::job_hash(here[0], s, "embedded"), nst::job_hash(other[0], s, "embedded"));
}

TEST(BatchManifest, ReadDetectsJsonLinesAndMissingFile) {
  const auto dir = std::filesystem::temp_directory_path() / "nst_test_batch_manifest";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "m.txt") << "  {\"content\": \"a.png\", \"style\": \"s.jpg\", \"output\": \"o.png\"}\n";
  const auto jobs = nst::read_manifest((dir / "m.txt").string());
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].content, (dir / "a.png").string());
  try {
    nst::read_manifest((dir / "none.csv").string());
    FAIL() << "no error";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kIo);
  }
  std::filesystem::remove_all(dir);
}

TEST(BatchManifest, FolderCrossStyles) {
  const auto dir = std::filesystem::temp_directory_path() / "nst_test_batch_cross";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* name : {"b.JPG", "a.png", "notes.txt"}) std::ofstream(dir / name) << "x";
  const auto jobs = nst::cross_product_jobs(dir.string(), {"s/one.jpg", "two.png"}, "out");
  ASSERT_EQ(jobs.size(), 4u);  // a.png, b.JPG (sorted; notes.txt is no image) x 2 styles
  EXPECT_EQ(jobs[0].content, (dir / "a.png").string());
  EXPECT_EQ(jobs[0].output, "out/a-one.png");
  EXPECT_EQ(jobs[1].output, "out/a-two.png");
  EXPECT_EQ(jobs[3].output, "out/b-two.png");
  EXPECT_EQ(jobs[3].row, 4);
  EXPECT_EQ(error_of([&] { nst::cross_product_jobs(dir.string(), {"x/one.jpg", "y/one.png"}, "out"); }),
            "--content-dir " + dir.string() + ": rows 1 and 2 both write out/a-one.png");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_NE(error_of([&] { nst::cross_product_jobs(dir.string(), {"s.jpg"}, "out"); }).find("holds no PNG/JPEG"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(BatchOptions, RowOverridesCommandLineOverridesBase) {
  nst::JobSettings base;
  base.size = 512;
  BatchJob job;
  job.row = 7;
  job.styles = {"s.jpg"};
  job.options = {{"iterations", "30"}, {"size", "64"}};
  const auto s = nst::resolve_job_settings(base, false, {{"iterations", "99"}, {"style-weight", "5e6"}, {"seed", "3"}},
                                           job, "row 7");
  EXPECT_EQ(s.style.iterations, 30);
  EXPECT_EQ(s.size, 64);
  EXPECT_EQ(s.style.style_weight, 5e6);
  EXPECT_EQ(s.style.seed, 3u);
  // Without an explicit style_weight, the loss's own default, as nst style does.
  job.options = {{"style_loss", "mean-cov"}};
  EXPECT_EQ(nst::resolve_job_settings(base, false, {}, job, "row 7").style.style_weight,
            nst::default_style_weight(nst::StyleLoss::kMeanCov, false));
  job.options = {{"optimizer", "adam"}};
  EXPECT_EQ(nst::resolve_job_settings(base, false, {}, job, "row 7").style.optimizer.learning_rate,
            nst::default_learning_rate(nst::OptimizerKind::kAdam));
}

TEST(BatchOptions, BadValuesAndUnknownKeysNameTheRow) {
  nst::JobSettings base;
  base.size = 128;
  BatchJob job;
  job.styles = {"s.jpg"};
  auto resolve = [&](std::map<std::string, std::string> options) {
    job.options = std::move(options);
    return error_of([&] { nst::resolve_job_settings(base, false, {}, job, "row 2"); });
  };
  EXPECT_EQ(resolve({{"iterations", "ten"}}), "row 2: iterations must be an integer in 0..10000000, got 'ten'");
  EXPECT_EQ(resolve({{"style_weight", "1e5x"}}), "row 2: style_weight must be a finite number, got '1e5x'");
  EXPECT_EQ(resolve({{"size", "8"}}), "row 2: size must be an integer in 16..65536, got '8'");
  EXPECT_EQ(resolve({{"original_colors", "maybe"}}), "row 2: original_colors must be true or false, got 'maybe'");
  EXPECT_EQ(resolve({{"colour", "1"}}), "row 2: unknown key 'colour' (see nst batch --help)");
  EXPECT_EQ(resolve({{"style_blend", "1,2"}}), "row 2: --style-blend has 2 weights for 1 style images");
  EXPECT_NE(resolve({{"style_loss", "l1"}}).find("row 2: style_loss --style-loss must be gram"), std::string::npos);
  base.size = 0;
  EXPECT_EQ(resolve({}), "row 2: size must be set (16..65536 px)");
}

TEST(BatchOptions, EveryKeyIsAStyleFlagName) {
  // The table reuses nst style's long flag names ('-' as '_'); cli/batch.sh checks them against --help.
  for (const auto& k : nst::job_option_keys()) {
    const std::string name = k.name;
    EXPECT_EQ(name.find('-'), std::string::npos) << name;
    EXPECT_TRUE(k.apply != nullptr) << name;
  }
}

}  // namespace
