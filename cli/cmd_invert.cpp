// Placeholder: `nst invert` is not implemented yet; registers nothing.
#include "commands.h"

namespace nst::cli {

void add_invert_command(CLI::App&, std::function<int()>&) {}

}  // namespace nst::cli
