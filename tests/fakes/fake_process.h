// What the fakes' main programs share: a port file a test polls for, and running until
// SIGTERM or SIGINT.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace osfleet::fakes {

// Writes "PORT\n" to `path` through a temporary file and a rename: a reader polling for
// the file never sees half a number.
absl::Status WritePortFile(const std::string& path, uint16_t port);

// Blocks SIGTERM and SIGINT in this thread and the threads it starts later: call it
// before starting any, then WaitForStopSignal().
void BlockStopSignals();

// Waits until SIGTERM or SIGINT arrives (after BlockStopSignals).
void WaitForStopSignal();

}  // namespace osfleet::fakes
