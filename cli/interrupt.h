#pragma once
// Ctrl-C handling: the first SIGINT asks the run to stop after the current iteration (the image
// is then saved); a second one kills the process the usual way.
namespace nst::cli {

void install_interrupt_handler();
bool interrupted();

}  // namespace nst::cli
