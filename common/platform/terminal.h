// Whether the standard streams are a person's terminal (prompts, colours, progress lines).
#pragma once

#include <optional>
#include <string>

namespace osfleet::platform {

bool StdinIsTerminal();
bool StdoutIsTerminal();

// Writes `prompt` to stderr and reads one line from the terminal on stdin without showing
// what is typed (a password), then ends the line. UTF-8, without its line break. nullopt
// when stdin is not a terminal or input ended.
std::optional<std::string> ReadHiddenLine(const std::string& prompt);

}  // namespace osfleet::platform
