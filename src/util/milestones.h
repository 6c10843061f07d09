#pragma once
// The library's side of set_milestone_callback (nst/progress.h).
namespace nst::detail {

/// Tells the front end's milestone callback, if any, that `name` was passed.
void milestone(const char* name);

}  // namespace nst::detail
