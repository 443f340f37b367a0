#include "common/platform/terminal.h"

#include <io.h>
#include <stdio.h>

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

// A console, not a pipe or a file: GetConsoleMode succeeds only on a console handle.
// (_isatty is true for NUL too, which is not a person.)
bool IsConsole(DWORD which) {
  DWORD mode = 0;
  const HANDLE handle = GetStdHandle(which);
  return handle != nullptr && handle != INVALID_HANDLE_VALUE && GetConsoleMode(handle, &mode) != 0;
}

}  // namespace

bool StdinIsTerminal() { return IsConsole(STD_INPUT_HANDLE); }
bool StdoutIsTerminal() { return IsConsole(STD_OUTPUT_HANDLE); }

}  // namespace osfleet::platform
