// Manifests of nst batch: CSV with a header, JSON lines, or a folder crossed with styles.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "nst/batch.h"
#include "nst/error.h"

namespace nst {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kPathColumns{"content", "style", "output"};

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::vector<std::string> split_styles(const std::string& cell) {
  std::vector<std::string> styles;
  std::stringstream in(cell);
  std::string item;
  while (std::getline(in, item, ';')) {
    item = trim(item);
    if (!item.empty()) styles.push_back(item);
  }
  return styles;
}

/// Fills the path fields from `cells` (column -> text) and checks that they are there.
BatchJob make_job(int row, std::map<std::string, std::string> cells, const std::string& where,
                  const std::string& base_dir) {
  BatchJob job;
  job.row = row;
  for (const char* column : {"content", "style", "output"}) {
    NST_CHECK(!trim(cells[column]).empty(), kUsage, where + ": empty '" + column + "'");
  }
  job.content = resolve_path(trim(cells["content"]), base_dir);
  for (const auto& s : split_styles(cells["style"])) job.styles.push_back(resolve_path(s, base_dir));
  NST_CHECK(!job.styles.empty(), kUsage, where + ": empty 'style'");
  job.output = resolve_path(trim(cells["output"]), base_dir);
  job.written = trim(cells["content"]) + "|" + trim(cells["style"]) + "|" + trim(cells["output"]);
  for (auto& [key, value] : cells) {
    if (kPathColumns.count(key)) continue;
    const auto& keys = job_option_keys();
    NST_CHECK(std::any_of(keys.begin(), keys.end(), [&](const JobOptionKey& k) { return key == k.name; }), kUsage,
              where + ": unknown key '" + key + "' (see nst batch --help)");
    if (!trim(value).empty()) job.options[key] = trim(value);
  }
  return job;
}

/// One CSV record (RFC 4180 quoting) starting at `pos`; advances pos past its line end.
std::vector<std::string> csv_record(std::string_view text, size_t& pos, const std::string& where) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        cells.back() += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c == '\n') {
      ++pos;
      return cells;
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  NST_CHECK(!quoted, kUsage, where + ": unterminated quote");
  return cells;
}

bool blank(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return trim(c).empty(); });
}

std::string normalize_key(std::string key) {
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

}  // namespace

void check_unique_outputs(const std::vector<BatchJob>& jobs, const std::string& name) {
  std::map<std::string, int> rows;
  for (const auto& job : jobs) {
    const std::string key = fs::path(job.output).lexically_normal().string();
    const auto [it, fresh] = rows.emplace(key, job.row);
    NST_CHECK(fresh, kUsage, name + ": rows " + std::to_string(it->second) + " and " + std::to_string(job.row) +
                                 " both write " + job.output);
  }
}

std::vector<BatchJob> parse_manifest_csv(std::string_view text, const std::string& name, const std::string& base_dir) {
  size_t pos = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a UTF-8 BOM, as spreadsheets write it
  std::vector<std::string> header;
  while (pos < text.size() && blank(header)) header = csv_record(text, pos, name + " header");
  NST_CHECK(!blank(header), kUsage, name + ": empty manifest (expected a header row: content,style,output,...)");
  std::set<std::string> seen;
  for (auto& h : header) {
    h = normalize_key(trim(h));
    NST_CHECK(!h.empty(), kUsage, name + ": empty column name in the header");
    NST_CHECK(seen.insert(h).second, kUsage, name + ": column '" + h + "' twice in the header");
  }
  for (const char* column : {"content", "style", "output"}) {
    NST_CHECK(seen.count(column), kUsage, name + ": missing column '" + column + "' in the header");
  }
  std::vector<BatchJob> jobs;
  int line = 1;
  while (pos < text.size()) {
    ++line;
    const std::string where = name + " line " + std::to_string(line);
    std::vector<std::string> cells = csv_record(text, pos, where);
    if (blank(cells)) continue;
    NST_CHECK(cells.size() == header.size(), kUsage,
              where + ": " + std::to_string(cells.size()) + " cells for " + std::to_string(header.size()) + " columns");
    std::map<std::string, std::string> by_column;
    for (size_t i = 0; i < header.size(); ++i) by_column[header[i]] = cells[i];
    jobs.push_back(make_job(static_cast<int>(jobs.size()) + 1, by_column, where, base_dir));
  }
  NST_CHECK(!jobs.empty(), kUsage, name + ": no rows after the header");
  check_unique_outputs(jobs, name);
  return jobs;
}

std::vector<BatchJob> parse_manifest_jsonl(std::string_view text, const std::string& name,
                                           const std::string& base_dir) {
  std::vector<BatchJob> jobs;
  std::istringstream in{std::string(text)};
  std::string line_text;
  for (int line = 1; std::getline(in, line_text); ++line) {
    if (trim(line_text).empty()) continue;
    const std::string where = name + " line " + std::to_string(line);
    const nlohmann::json row = nlohmann::json::parse(line_text, nullptr, /*allow_exceptions=*/false);
    NST_CHECK(row.is_object(), kUsage, where + ": not a JSON object");
    std::map<std::string, std::string> cells;
    for (const auto& [key, value] : row.items()) {
      const std::string k = normalize_key(key);
      if (k == "style" && value.is_array()) {
        for (const auto& s : value) {
          NST_CHECK(s.is_string(), kUsage, where + ": 'style' array holds a non-string");
          cells[k] += s.get<std::string>() + ";";
        }
      } else if (value.is_string()) {
        cells[k] = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        cells[k] = value.dump();
      } else {
        fail(ErrorKind::kUsage, where + ": '" + key + "' must be a string, number or boolean");
      }
    }
    for (const char* column : {"content", "style", "output"}) {
      NST_CHECK(cells.count(column), kUsage, where + ": missing key '" + column + "'");
    }
    jobs.push_back(make_job(static_cast<int>(jobs.size()) + 1, cells, where, base_dir));
  }
  NST_CHECK(!jobs.empty(), kUsage, name + ": empty manifest (no JSON lines)");
  check_unique_outputs(jobs, name);
  return jobs;
}

std::vector<BatchJob> read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  NST_CHECK(in.good(), kIo, "cannot read manifest " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string base_dir = fs::path(path).parent_path().string();
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') return parse_manifest_jsonl(text, path, base_dir);
  return parse_manifest_csv(text, path, base_dir);
}

std::vector<BatchJob> cross_product_jobs(const std::string& content_dir, const std::vector<std::string>& styles,
                                         const std::string& output_dir, const std::string& extension) {
  std::error_code ec;
  NST_CHECK(fs::is_directory(content_dir, ec), kIo, "--content-dir is not a folder: " + content_dir);
  NST_CHECK(!styles.empty(), kUsage, "--content-dir needs at least one --style");
  const std::set<std::string> image_extensions{".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"};
  std::vector<fs::path> contents;
  for (const auto& entry : fs::directory_iterator(content_dir)) {
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (entry.is_regular_file() && image_extensions.count(ext)) contents.push_back(entry.path());
  }
  NST_CHECK(!contents.empty(), kUsage, "--content-dir " + content_dir + " holds no PNG/JPEG/TIFF/WebP image");
  std::sort(contents.begin(), contents.end());
  std::vector<BatchJob> jobs;
  for (const auto& content : contents) {
    for (const auto& style : styles) {
      BatchJob job;
      job.row = static_cast<int>(jobs.size()) + 1;
      job.content = content.string();
      job.styles = {style};
      const std::string name = content.stem().string() + "-" + fs::path(style).stem().string() + extension;
      job.output = (fs::path(output_dir) / name).string();
      job.written = content.filename().string() + "|" + style + "|" + fs::path(job.output).filename().string();
      jobs.push_back(job);
    }
  }
  check_unique_outputs(jobs, "--content-dir " + content_dir);
  return jobs;
}

}  // namespace nst
