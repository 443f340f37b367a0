// An operator's request to stop a command that is running (Ctrl-C, SIGTERM; on Windows
// Ctrl-C, Ctrl-Break and closing the console): the command stops at its next safe point.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace osfleet::platform {

// From now on each stop request sets *flag (which must outlive the process) and writes
// the next of `notices` to standard error at once, so the operator sees it was heard and
// what happens next. The request after the last notice ends the process at once, as if
// nothing had been caught. No notices: the first request only sets the flag, the second
// ends the process. Call once; the notices are kept for the life of the process.
void SetFlagOnInterrupt(std::atomic<bool>* flag, std::vector<std::string> notices = {});

}  // namespace osfleet::platform
