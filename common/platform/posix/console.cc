#include "common/platform/console.h"

#include <unistd.h>

namespace osfleet::platform {

ConsoleState PrepareConsole() {
  static const ConsoleState state{isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1, true};
  return state;
}

std::vector<std::string> Utf8Arguments(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

}  // namespace osfleet::platform
