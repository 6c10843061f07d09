#pragma once
// The library's progress callback, as seen from Python: runs with the GIL released, takes it
// back once per iteration to check for Ctrl-C and to call the user's Python callable, and keeps
// the Python exception that stopped the run until the run has returned.
#include <pybind11/pybind11.h>

#include <optional>

#include "nst/progress.h"

namespace nst::python {

namespace py = pybind11;

class PythonProgress {
 public:
  /// callback: None or callable(report: dict, image: Tensor | None) -> bool | None (False stops);
  /// with_image: pass a copy of the current 1x3xHxW image (else None).
  PythonProgress(py::object callback, bool with_image);
  ~PythonProgress();

  /// The callback to hand to run_style/run_invert. Call them with the GIL released.
  ProgressCallback callback();

  /// After the run (GIL held): true when Ctrl-C (KeyboardInterrupt) stopped it; the error is
  /// cleared. Any other exception the callable raised is raised again here.
  bool finish();

 private:
  bool on_iteration(const IterationReport& report, const at::Tensor& image);

  py::object callback_;
  bool with_image_;
  std::optional<py::error_already_set> error_;
};

/// An IterationReport as a dict (iteration, total_iterations, seconds, loss, parts, ...).
py::dict report_dict(const IterationReport& report);

}  // namespace nst::python
