#pragma once
// The keyword tables of the Python API: one per library options struct, keywords named like the
// CLI's long flags (nst style/invert/score --help), defaults read from the structs.
#include "nst/invert.h"
#include "nst/score.h"
#include "nst/stylize.h"
#include "option_table.h"

namespace nst::python {

const OptionTable<StyleOptions>& style_table();
const OptionTable<InvertOptions>& invert_table();
const OptionTable<ScoreOptions>& score_table();

/// The keywords of nst.plan: the style keywords its memory model reads.
const std::vector<std::string>& plan_keywords();

/// StyleOptions for a network (trained_vgg_style_defaults() for trained weights, as the CLI's
/// style_defaults), with `values` applied; without style_weight, the style loss's own default
/// weight; without learning_rate, the optimizer's own step size (both as the CLI).
StyleOptions style_options(const py::dict& values, bool trained);
/// InvertOptions{} with `values` applied (learning_rate as above).
InvertOptions invert_options(const py::dict& values);
ScoreOptions score_options(const py::dict& values);

}  // namespace nst::python
