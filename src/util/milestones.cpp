#include "util/milestones.h"

#include <utility>

#include "nst/progress.h"

namespace nst {
namespace {

MilestoneCallback& callback() {
  static MilestoneCallback instance;
  return instance;
}

}  // namespace

void set_milestone_callback(MilestoneCallback c) { callback() = std::move(c); }

namespace detail {

void milestone(const char* name) {
  if (callback()) callback()(name);
}

}  // namespace detail
}  // namespace nst
