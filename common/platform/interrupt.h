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

// Instead of SetFlagOnInterrupt: from now on each stop request only adds one to *requests
// (which must outlive the process); the program decides what it means (osctl asks the
// operator). Never ends the process by itself: EndAsInterrupted does.
void CountInterrupts(std::atomic<int>* requests);

// Ends the process at once, as a stop request nothing caught would.
[[noreturn]] void EndAsInterrupted();

}  // namespace osfleet::platform
