#pragma once
// Each verb registers its options and, when chosen, sets `action` to the code that runs it.
#include <functional>

namespace CLI {
class App;
}

namespace nst::cli {

void add_style_command(CLI::App& app, std::function<int()>& action);

}  // namespace nst::cli
