#pragma once
// Each verb registers its options and, when chosen, sets `action` to the code that runs it.
#include <functional>

namespace CLI {
class App;
}

namespace nst::cli {

void add_style_command(CLI::App& app, std::function<int()>& action);    // cmd_style.cpp
void add_invert_command(CLI::App& app, std::function<int()>& action);   // cmd_invert.cpp
void add_weights_command(CLI::App& app, std::function<int()>& action);  // cmd_weights.cpp
void add_compare_command(CLI::App& app, std::function<int()>& action);  // cmd_compare.cpp
void add_plan_command(CLI::App& app, std::function<int()>& action);     // cmd_plan.cpp
void add_score_command(CLI::App& app, std::function<int()>& action);    // cmd_score.cpp
void add_batch_command(CLI::App& app, std::function<int()>& action);    // cmd_batch.cpp
void add_video_command(CLI::App& app, std::function<int()>& action);    // cmd_video.cpp
void add_texture_command(CLI::App& app, std::function<int()>& action);  // cmd_texture.cpp

}  // namespace nst::cli
