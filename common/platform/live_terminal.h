// The terminal while a long command runs: whether standard error is one and how wide (the
// status line), and a line read from the terminal that gives up when asked (the Ctrl-C
// question, answered while the command goes on).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace osfleet::platform {

bool StderrIsTerminal();
// The width of the terminal on standard error in columns; 0 when it is not one or the OS
// cannot tell.
int StderrColumns();

// One line typed on the terminal on stdin, without its line break. Asks `give_up` about
// every 100 ms while it waits: nullopt once it returns true, when input ends, or when stdin
// is not a terminal. (On Windows a line being typed is only noticed once Enter is pressed.)
std::optional<std::string> ReadLineUnless(const std::function<bool()>& give_up);

}  // namespace osfleet::platform
