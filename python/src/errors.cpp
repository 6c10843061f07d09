#include "errors.h"

#include <c10/util/Exception.h>

#include <new>

#include "nst/error.h"

namespace nst::python {
namespace py = pybind11;

namespace {

const char* class_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage: return "UsageError";
    case ErrorKind::kIo: return "IoError";
    case ErrorKind::kFormat: return "FormatError";
    case ErrorKind::kModel: return "ModelError";
    case ErrorKind::kNumeric: return "NumericError";
    case ErrorKind::kResource: return "ResourceError";
    case ErrorKind::kInterrupted: return "AbortedError";
  }
  return "Error";
}

/// Sets the Python error (the GIL is held inside a translator).
void set_error(const char* name, const std::string& message) {
  const py::object cls = py::module_::import("nst._errors").attr(name);
  PyErr_SetString(cls.ptr(), message.c_str());
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

void register_error_translator() {
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      set_error(class_name(e.kind()), e.what());
    } catch (const c10::Error& e) {
      // libtorch's own errors (a bad tensor, a CUDA failure) keep their first line; the
      // backtrace is not for users. Out of memory is a resource error, as in the library.
      const std::string message = first_line(e.msg());
      const bool oom = message.find("out of memory") != std::string::npos;
      set_error(oom ? "ResourceError" : "TorchError", "torch: " + message);
    } catch (const std::bad_alloc&) {
      set_error("ResourceError", "out of memory");
    }
  });
}

void raise_error_kind(const std::string& kind, const std::string& message) {
  for (ErrorKind k : {ErrorKind::kUsage, ErrorKind::kIo, ErrorKind::kFormat, ErrorKind::kModel, ErrorKind::kNumeric,
                      ErrorKind::kResource, ErrorKind::kInterrupted}) {
    std::string name = class_name(k);
    name = name.substr(0, name.size() - 5);  // "UsageError" -> "Usage"
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == kind || (k == ErrorKind::kInterrupted && kind == "interrupted")) throw Error(k, message);
  }
  if (kind == "torch") TORCH_CHECK(false, message);
  fail(ErrorKind::kUsage, "unknown error kind '" + kind + "'");
}

}  // namespace nst::python
