// Windows only (not part of the platform API): the agent's stop request from outside the
// console, for the Service Control Manager's handler (SERVICE_CONTROL_STOP / SHUTDOWN).
// StopSignal::Wait() returns with `why` as it does for Ctrl-C.
#pragma once

#include <string>

namespace osfleet::platform::win {

void RequestStop(const std::string& why);

}  // namespace osfleet::platform::win
