#pragma once
// nst::Error and c10::Error become the Python exceptions of nst/_errors.py (nst.UsageError is
// also a ValueError, nst.IoError an OSError, nst.ResourceError a MemoryError, ...), carrying the
// library's one-line message.
#include <pybind11/pybind11.h>

#include <string>

namespace nst::python {

/// Registers the translator for exceptions leaving this module's functions.
void register_error_translator();

/// The Python class name for an nst::ErrorKind spelled as in the library ("usage", "io", ...);
/// for the translator's test hook (_nst._raise_error).
[[noreturn]] void raise_error_kind(const std::string& kind, const std::string& message);

}  // namespace nst::python
