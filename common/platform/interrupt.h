// An operator's request to stop a command that is running (Ctrl-C, SIGTERM; on Windows
// Ctrl-C, Ctrl-Break and closing the console): the command stops at its next safe point.
#pragma once

#include <atomic>

namespace osfleet::platform {

// From now on the first stop request sets *flag (which must outlive the process); a
// second one ends the process at once, as if nothing had been caught.
void SetFlagOnInterrupt(std::atomic<bool>* flag);

}  // namespace osfleet::platform
