#include "common/platform/terminal.h"

#include <unistd.h>

namespace osfleet::platform {

bool StdinIsTerminal() { return isatty(STDIN_FILENO) == 1; }
bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1; }

}  // namespace osfleet::platform
