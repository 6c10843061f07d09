#pragma once
// The one exception type the nst library throws, and the input guard macro.
#include <stdexcept>
#include <string>

namespace nst {

/// What went wrong, so that front ends can map errors to exit codes.
enum class ErrorKind { kUsage, kIo, kFormat, kModel, kNumeric, kResource, kInterrupted };

/// A one-line, user-facing error: names the path, key or value and what was expected.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

/// Throws nst::Error(kind, message).
[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) { throw Error(kind, message); }

}  // namespace nst

/// Guards input: throws nst::Error(kind, message) when cond is false.
#define NST_CHECK(cond, kind, message)                 \
  do {                                                 \
    if (!(cond)) ::nst::fail(::nst::ErrorKind::kind, (message)); \
  } while (0)
