// nst: the command-line front end. Parsing, then one catch that turns errors into one line
// and an exit code (0 ok, 1 runtime failure, 2 bad usage, 130 interrupted).
#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <cstdio>
#include <functional>

#include "commands.h"
#include "common.h"
#include "nst/error.h"
#include "startup_marks.h"

int main(int argc, char** argv) {
  using namespace nst::cli;
  install_startup_marks();  // for --trace: start-up timing (bench/bench_startup.cpp)
  CLI::App app{"nst: neural style transfer and feature inversion (optimization-based, VGG on libtorch)", "nst"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nst 0.1.0");
  std::function<int()> action;
  add_style_command(app, action);
  add_invert_command(app, action);
  add_weights_command(app, action);
  add_compare_command(app, action);
  add_plan_command(app, action);
  add_score_command(app, action);
  add_batch_command(app, action);
  add_video_command(app, action);
  add_texture_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "nst: error: %s (see nst --help)\n", e.what());
    return kExitUsage;
  }
  try {
    return action ? action() : kExitUsage;
  } catch (const nst::Error& e) {
    std::fprintf(stderr, "nst: error: %s\n", e.what());
    return e.kind() == nst::ErrorKind::kUsage ? kExitUsage : kExitFailure;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "nst: error: %s\n", e.what_without_backtrace());
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nst: error: %s\n", e.what());
    return kExitFailure;
  }
}
