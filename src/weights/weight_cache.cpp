// The weight cache: where it lives, what is in it, and fetch = download + verify + publish.
// Layout: <cache>/<file> (the published file name, or <name><ext> for custom entries), and
// <cache>/<name>.json, the record of the fetch: URL, full SHA-256 and how it was checked, and the
// input convention. The record is what lets a later download of a file without a published hash
// be checked against the first one, and what maps a custom name to its file.
#include "nst/weight_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "nst/error.h"
#include "nst/preprocess.h"
#include "weights/fetch.h"
#include "weights/known_files.h"
#include "weights/sha256.h"

namespace nst {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMinHashPrefix = 8;  // what torchvision file names carry
constexpr size_t kFullHashLength = 64;
constexpr size_t kMaxExtensionLength = 12;  // ".safetensors"

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

KnownDownload to_download(const detail::KnownWeightFile& f) {
  return {f.key, f.file, f.url, f.sha256, f.sha256_prefix, to_string(f.preprocess), f.name};
}

// Hashes without reading the file into memory: the torchvision files are 0.5 GB.
std::string sha256_of_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  NST_CHECK(fd >= 0, kIo, "cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const size_t size = stat_ok ? static_cast<size_t>(st.st_size) : 0;
  if (size == 0) {
    ::close(fd);
    NST_CHECK(stat_ok, kIo, "cannot read " + path);
    return detail::sha256_hex(nullptr, 0);
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  NST_CHECK(map != MAP_FAILED, kIo, "cannot map " + path + ": " + std::strerror(errno));
  ::madvise(map, size, MADV_SEQUENTIAL);
  std::string hash = detail::sha256_hex(static_cast<const uint8_t*>(map), size);
  ::munmap(map, size);
  return hash;
}

struct Record {
  std::string name, file, url, sha256, hash_check, preprocess;
};

std::optional<Record> read_record(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  // A damaged record only costs the information in it; the file itself is hashed on fetch.
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
  };
  Record r{text("name"), text("file"), text("url"), text("sha256"), text("hash_check"), text("preprocess")};
  if (r.file.empty() || r.file.find('/') != std::string::npos) return std::nullopt;
  return r;
}

void write_record(const fs::path& path, const Record& r, uint64_t size) {
  const nlohmann::json j = {{"name", r.name},
                            {"file", r.file},
                            {"url", r.url},
                            {"sha256", r.sha256},
                            {"hash_check", r.hash_check},
                            {"preprocess", r.preprocess},
                            {"size", size}};
  AtomicFile out(path.string());
  {
    std::ofstream stream(out.temp_path());
    stream << j.dump(2) << "\n";
    NST_CHECK(stream.good(), kIo, "cannot write " + out.temp_path());
  }
  out.commit();
}

CachedWeights entry_from(const std::string& name, const fs::path& file, const std::optional<Record>& record,
                         bool known) {
  CachedWeights e;
  e.name = name;
  e.path = file.string();
  std::error_code ec;
  e.size = fs::file_size(file, ec);
  e.known = known;
  if (record) {
    e.sha256 = record->sha256;
    e.hash_check = record->hash_check;
    e.preprocess = record->preprocess;
    e.url = record->url;
  } else {
    e.hash_check = "not verified (no fetch record)";
  }
  return e;
}

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

std::vector<KnownDownload> known_downloads() {
  std::vector<KnownDownload> out;
  for (const detail::KnownWeightFile* f : detail::known_weight_files()) out.push_back(to_download(*f));
  return out;
}

std::optional<KnownDownload> find_known_download(const std::string& name) {
  const detail::KnownWeightFile* f = detail::find_known_weight_file_by_key(name);
  if (!f) return std::nullopt;
  return to_download(*f);
}

std::string known_download_names() {
  std::string out;
  for (const detail::KnownWeightFile* f : detail::known_weight_files())
    out += (out.empty() ? "" : ", ") + std::string(f->key);
  return out;
}

bool is_valid_cache_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

std::string weight_cache_dir(const std::string& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const std::string dir = env("NST_CACHE_DIR"); !dir.empty()) return dir;
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && fs::path(xdg).is_absolute()) {
    return (fs::path(xdg) / "nst").string();
  }
  const std::string home = env("HOME");
  NST_CHECK(!home.empty(), kIo, "no cache folder: set NST_CACHE_DIR (or HOME, or XDG_CACHE_HOME)");
  return (fs::path(home) / ".cache" / "nst").string();
}

std::string replace_url_base(const std::string& url, const std::string& base) {
  const size_t scheme = url.find("://");
  NST_CHECK(scheme != std::string::npos, kUsage, "URL " + url + " has no scheme (expected http://, https://, file://)");
  const size_t path = url.find('/', scheme + 3);
  std::string prefix = base;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix + (path == std::string::npos ? "" : url.substr(path));
}

std::string download_url(const KnownDownload& download) {
  const std::string base = env("NST_WEIGHTS_BASE_URL");
  return base.empty() ? download.url : replace_url_base(download.url, base);
}

std::optional<CachedWeights> find_cached_weights(const std::string& name, const std::string& cache_dir) {
  if (!is_valid_cache_name(name)) return std::nullopt;
  const fs::path dir = weight_cache_dir(cache_dir);
  std::optional<Record> record = read_record(dir / (name + ".json"));
  std::error_code ec;
  if (const auto known = find_known_download(name)) {
    if (record && record->file != known->file) record.reset();
    if (!fs::is_regular_file(dir / known->file, ec)) return std::nullopt;
    CachedWeights e = entry_from(name, dir / known->file, record, /*known=*/true);
    if (e.preprocess.empty()) e.preprocess = known->preprocess;
    return e;
  }
  if (!record || !fs::is_regular_file(dir / record->file, ec)) return std::nullopt;
  return entry_from(name, dir / record->file, record, /*known=*/false);
}

std::vector<CachedWeights> list_cached_weights(const std::string& cache_dir) {
  const fs::path dir = weight_cache_dir(cache_dir);
  std::vector<CachedWeights> out;
  for (const KnownDownload& d : known_downloads()) {
    if (auto e = find_cached_weights(d.name, dir.string())) out.push_back(*e);
  }
  std::vector<CachedWeights> custom;
  std::error_code ec;
  for (const fs::directory_entry& f : fs::directory_iterator(dir, ec)) {
    const std::string name = f.path().stem().string();
    if (f.path().extension() != ".json" || find_known_download(name)) continue;
    if (auto e = find_cached_weights(name, dir.string())) custom.push_back(*e);
  }
  std::sort(custom.begin(), custom.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  out.insert(out.end(), custom.begin(), custom.end());
  return out;
}

std::optional<CachedWeights> resolve_cached_weights(const std::string& spec, const std::string& cache_dir) {
  std::error_code ec;
  if (spec == "embedded" || !is_valid_cache_name(spec) || fs::exists(spec, ec)) return std::nullopt;
  const bool known = find_known_download(spec).has_value();
  std::string dir;
  try {
    dir = weight_cache_dir(cache_dir);
  } catch (const Error&) {
    if (known) throw;
    return std::nullopt;  // not a registry name: let the caller report a missing file
  }
  if (auto e = find_cached_weights(spec, dir)) return e;
  NST_CHECK(!known, kIo,
            "weights '" + spec + "' are not in the cache (" + dir + "); download them with: nst weights fetch " + spec);
  return std::nullopt;
}

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
  const std::optional<Record> old = read_record(record_path);
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
    const std::string hash = sha256_of_file(final_path.string());
    if (check_hash(hash, want, &result.hash_note)) {
      plan.sha256 = hash;
      plan.hash_check = result.hash_note;
      if (!old || old->sha256 != hash || old->file != plan.file)
        write_record(record_path, plan, fs::file_size(final_path, ec));
      result.entry = *find_cached_weights(o.name, dir.string());
      result.already_cached = true;
      return result;
    }
    event("cached " + final_path.string() + " does not match " + expected_text(want) + "; downloading again");
  }

  const detail::DownloadOutcome outcome = detail::download_to_part(plan.url, part_path, o, progress);
  if (!event("verify SHA-256"))
    fail(ErrorKind::kInterrupted, "fetch of " + o.name + " interrupted; " + part_path + " kept");
  const std::string hash = sha256_of_file(part_path);
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
  write_record(record_path, plan, outcome.size);
  result.entry = *find_cached_weights(o.name, dir.string());
  result.resumed = outcome.resumed;
  return result;
}

}  // namespace nst
