#pragma once
// Write-then-rename, so a reader never sees a half-written output and a crash leaves no debris.
#include <string>

namespace nst {

class AtomicFile {
 public:
  /// Plans to write final_path; checks that its folder exists.
  explicit AtomicFile(const std::string& final_path);
  /// Removes the temp file unless commit() ran.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  /// Where to write: same folder and extension as the final path.
  const std::string& temp_path() const { return temp_path_; }
  /// Renames the temp file onto the final path.
  void commit();

 private:
  std::string final_path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace nst
