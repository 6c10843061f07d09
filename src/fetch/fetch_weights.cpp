// fetch = download + verify + publish into the weight cache. Its own library (nst_fetch, with
// libcurl), so that the core library never touches the network; the CLI and Python link it.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fetch/download.h"
#include "nst/error.h"
#include "nst/fetch.h"
#include "nst/preprocess.h"
#include "weights/cache_record.h"

namespace nst {
namespace {

namespace fs = std::filesystem;
using detail::kFullHashLength;
using detail::kMinHashPrefix;
using detail::Record;

constexpr size_t kMaxExtensionLength = 12;  // ".safetensors"

std::string lower_hex(const std::string& text, const std::string& what) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex =
      std::all_of(out.begin(), out.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  NST_CHECK(hex && out.size() >= kMinHashPrefix && out.size() <= kFullHashLength, kUsage,
            what + " '" + text + "' is not a SHA-256 (64 hex digits, or a prefix of at least 8)");
  return out;
}

// A custom entry's file keeps the URL's extension, so a listing shows what kind of file it is.
std::string custom_file_name(const std::string& name, const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  path = path.substr(path.find_last_of('/') + 1);
  const size_t dot = path.find_last_of('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  const bool plain =
      ext.size() >= 2 && ext.size() <= kMaxExtensionLength &&
      std::all_of(ext.begin() + 1, ext.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  return name + (plain ? ext : "");
}

// What a fetch must check the downloaded bytes against.
struct Expectation {
  std::string full;    // 64 hex digits, or ""
  std::string prefix;  // a prefix, or ""
  std::string source;  // "the published", "--sha256", "the first fetch's"
};

// True when `hash` satisfies `want`; `note` says what that proves.
bool check_hash(const std::string& hash, const Expectation& want, std::string* note) {
  if (!want.full.empty()) {
    *note = "SHA-256 matches " + want.source + " hash";
    return hash == want.full;
  }
  if (!want.prefix.empty()) {
    *note = "SHA-256 matches " + want.source + " prefix " + want.prefix + "; full hash recorded";
    return hash.rfind(want.prefix, 0) == 0;
  }
  *note = "no published hash: SHA-256 recorded on first fetch, later downloads are checked against it";
  return true;
}

std::string expected_text(const Expectation& want) { return want.full.empty() ? want.prefix + "..." : want.full; }

}  // namespace

FetchResult fetch_weights(const FetchOptions& o, const FetchCallback& progress) {
  NST_CHECK(!o.name.empty(), kUsage, "no weights name given (known: " + known_download_names() + ")");
  Record plan;
  plan.name = o.name;
  Expectation want;
  if (const auto known = find_known_download(o.name)) {
    NST_CHECK(
        o.sha256.empty() && o.preprocess.empty(), kUsage,
        o.name +
            " is a known download with its own hash and preprocessing; --sha256 and --preprocess are for custom names");
    plan.file = known->file;
    plan.url = o.url.empty() ? download_url(*known) : o.url;
    plan.preprocess = known->preprocess;
    want = {known->sha256, known->sha256_prefix, "the published"};
  } else {
    NST_CHECK(!o.url.empty(), kUsage,
              "unknown weights name '" + o.name + "' (known: " + known_download_names() +
                  "; a custom name needs --url and --sha256)");
    NST_CHECK(is_valid_cache_name(o.name) && o.name != "embedded", kUsage,
              "custom weights name '" + o.name + "' must be 1-64 letters, digits, '-' or '_' (and not 'embedded')");
    NST_CHECK(!o.sha256.empty(), kUsage,
              "custom download " + o.name + " needs --sha256 (the full hash, or at least its first 8 hex digits)");
    const std::string hash = lower_hex(o.sha256, "--sha256");
    want = hash.size() == kFullHashLength ? Expectation{hash, "", "--sha256"} : Expectation{"", hash, "--sha256"};
    if (!o.preprocess.empty()) plan.preprocess = to_string(parse_preprocess(o.preprocess));
    plan.file = custom_file_name(o.name, o.url);
    for (const KnownDownload& d : known_downloads()) {
      NST_CHECK(d.file != plan.file, kUsage,
                "custom name " + o.name + " would overwrite " + d.file + " (the file of " + d.name + ")");
    }
    plan.url = o.url;
  }

  const fs::path dir = weight_cache_dir(o.cache_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  NST_CHECK(fs::is_directory(dir, ec), kIo, "cannot create the cache folder " + dir.string());
  const fs::path final_path = dir / plan.file;
  const std::string part_path = final_path.string() + ".part";
  const fs::path record_path = dir / (o.name + ".json");
  const std::optional<Record> old = detail::read_record(record_path);
  // Trust on first use: with no full hash published, the one recorded by the first fetch
  // checks every later download (unless a new --sha256 contradicts it: a replaced entry).
  if (want.full.empty() && old && old->file == plan.file && old->sha256.size() == kFullHashLength &&
      old->sha256.rfind(want.prefix, 0) == 0) {
    want = {old->sha256, "", want.prefix.empty() ? "the first fetch's" : want.source + " prefix and the first fetch's"};
  }

  const auto event = [&](const std::string& text) {
    FetchProgress p;
    p.event = text;
    return !progress || progress(p);
  };
  FetchResult result;
  if (!o.force && fs::is_regular_file(final_path, ec)) {
    if (!event("verify cached " + final_path.string()))
      fail(ErrorKind::kInterrupted, "fetch of " + o.name + " interrupted");
    const std::string hash = detail::sha256_of_file(final_path.string());
    if (check_hash(hash, want, &result.hash_note)) {
      plan.sha256 = hash;
      plan.hash_check = result.hash_note;
      if (!old || old->sha256 != hash || old->file != plan.file)
        detail::write_record(record_path, plan, fs::file_size(final_path, ec));
      result.entry = *find_cached_weights(o.name, dir.string());
      result.already_cached = true;
      return result;
    }
    event("cached " + final_path.string() + " does not match " + expected_text(want) + "; downloading again");
  }

  const detail::DownloadOutcome outcome = detail::download_to_part(plan.url, part_path, o, progress);
  if (!event("verify SHA-256"))
    fail(ErrorKind::kInterrupted, "fetch of " + o.name + " interrupted; " + part_path + " kept");
  const std::string hash = detail::sha256_of_file(part_path);
  if (!check_hash(hash, want, &result.hash_note)) {
    fs::remove(part_path, ec);
    fail(ErrorKind::kFormat, "SHA-256 mismatch for " + plan.url + ": got " + hash + ", expected " +
                                 expected_text(want) + "; the download was deleted");
  }
  if (old && old->file != plan.file) fs::remove(dir / old->file, ec);  // a replaced custom entry
  NST_CHECK(std::rename(part_path.c_str(), final_path.c_str()) == 0, kIo,
            "cannot move " + part_path + " to " + final_path.string() + ": " + std::strerror(errno));
  plan.sha256 = hash;
  plan.hash_check = result.hash_note;
  detail::write_record(record_path, plan, outcome.size);
  result.entry = *find_cached_weights(o.name, dir.string());
  result.resumed = outcome.resumed;
  return result;
}

}  // namespace nst
