// Asking the operator before a change (rollout apply | resume, endpoints set): the question
// on stderr, one answer from the terminal.
#pragma once

#include <string>

namespace osfleet::ctl {

// Whether stdin is a person's terminal (without one, a command that asks refuses instead).
bool CanAsk();

// Writes `question` to stderr and reads one line: true for y or yes (any case). False for
// anything else, at the end of input, or when stdin is not a terminal.
bool AskYesNo(const std::string& question);

}  // namespace osfleet::ctl
