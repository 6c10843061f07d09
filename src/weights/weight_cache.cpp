// The weight cache: where it lives and what is in it (the download is src/fetch/, its own library).
// Layout: <cache>/<file> (the published file name, or <name><ext> for custom entries), and
// <cache>/<name>.json, the record of the fetch: URL, full SHA-256 and how it was checked, and the
// input convention. The record is what lets a later download of a file without a published hash
// be checked against the first one, and what maps a custom name to its file.
#include "nst/weight_cache.h"


#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "nst/error.h"
#include "nst/preprocess.h"
#include "weights/cache_record.h"
#include "weights/known_files.h"

namespace nst {
namespace {

namespace fs = std::filesystem;
using detail::Record;
using detail::read_record;

constexpr size_t kMaxNameLength = 64;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

KnownDownload to_download(const detail::KnownWeightFile& f) {
  return {f.key, f.file, f.url, f.sha256, f.sha256_prefix, to_string(f.preprocess), f.name};
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

}  // namespace nst
