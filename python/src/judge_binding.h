#pragma once
// nst::Judge for Python (nst.Judge, nst.score): the judge network and its targets built once,
// any number of images scored against them.
#include <pybind11/pybind11.h>

namespace nst::python {

void bind_judge(pybind11::module_& m);

}  // namespace nst::python
