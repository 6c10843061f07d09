#include "io/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "nst/error.h"

namespace nst {

AtomicFile::AtomicFile(const std::string& final_path) : final_path_(final_path) {
  namespace fs = std::filesystem;
  fs::path path(final_path);
  fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) fail(ErrorKind::kIo, "output folder does not exist: " + folder.string());
  // ".name.tmp<pid>.ext": hidden, unique per process, keeps the extension for format detection.
  temp_path_ = (folder / ("." + path.stem().string() + ".tmp" + std::to_string(::getpid()) +
                          path.extension().string())).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_path_.c_str());
}

void AtomicFile::commit() {
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    fail(ErrorKind::kIo, "cannot move output into place: " + final_path_);
  }
  committed_ = true;
}

}  // namespace nst
