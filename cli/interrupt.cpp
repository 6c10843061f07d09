#include "interrupt.h"

#include <atomic>
#include <csignal>

namespace nst::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int signal_number) {
  g_interrupted.store(true);
  std::signal(signal_number, SIG_DFL);  // a second Ctrl-C ends the process at once
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupted() { return g_interrupted.load(); }

}  // namespace nst::cli
