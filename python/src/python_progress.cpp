#include "python_progress.h"

#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>

namespace nst::python {

PythonProgress::PythonProgress(py::object callback, bool with_image)
    : callback_(std::move(callback)), with_image_(with_image) {}

PythonProgress::~PythonProgress() = default;

ProgressCallback PythonProgress::callback() {
  return [this](const IterationReport& report, const at::Tensor& image) { return on_iteration(report, image); };
}

bool PythonProgress::on_iteration(const IterationReport& report, const at::Tensor& image) {
  py::gil_scoped_acquire gil;
  try {
    // Python's SIGINT handler only sets a flag while C++ runs; run it here, once per iteration.
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (callback_.is_none()) return true;
    py::object image_arg = py::none();
    if (with_image_) image_arg = py::cast(image.detach().clone());  // x changes in place next iteration
    const py::object keep_going = callback_(report_dict(report), image_arg);
    if (keep_going.is_none()) return true;
    const int truth = PyObject_IsTrue(keep_going.ptr());
    if (truth < 0) throw py::error_already_set();
    return truth != 0;
  } catch (py::error_already_set& e) {
    error_.emplace(std::move(e));
    return false;
  }
}

bool PythonProgress::finish() {
  if (!error_) return false;
  if (error_->matches(PyExc_KeyboardInterrupt)) {
    error_.reset();
    return true;
  }
  py::error_already_set error = std::move(*error_);
  error_.reset();
  throw error;
}

py::dict report_dict(const IterationReport& r) {
  py::dict d;
  d["iteration"] = r.iteration;
  d["total_iterations"] = r.total_iterations;
  d["seconds"] = r.seconds;
  d["loss"] = r.loss;
  d["parts"] = py::cast(r.parts);
  d["evaluations"] = r.evaluations;
  d["total_evaluations"] = r.total_evaluations;
  d["step_size"] = r.step_size;
  d["event"] = r.event;
  return d;
}

}  // namespace nst::python
