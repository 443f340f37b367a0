// The agent's stop request: SIGTERM or SIGINT on POSIX; on Windows Ctrl-C, Ctrl-Break,
// closing the console and the Service Control Manager's stop. The agent stops cleanly
// instead of dying.
#pragma once

#include <string>

namespace osfleet::platform {

class StopSignal {
 public:
  // From now on a stop request is kept for Wait() instead of ending the process. Create it
  // in main before any other thread starts: on POSIX the signals are blocked in the
  // creating thread, and threads started later inherit that.
  StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Blocks until a stop is requested and says which: "signal 15". One waiter at a time.
  std::string Wait();
};

}  // namespace osfleet::platform
