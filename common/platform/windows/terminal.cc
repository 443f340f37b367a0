#include "common/platform/terminal.h"

#include <io.h>
#include <stdio.h>

#include <cstdio>
#include <string>

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

std::optional<std::string> ReadHiddenLine(const std::string& prompt) {
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  DWORD before = 0;
  if (!StdinIsTerminal() || GetConsoleMode(in, &before) == 0) return std::nullopt;
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  SetConsoleMode(in, (before | ENABLE_LINE_INPUT) & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  std::wstring line;
  wchar_t buffer[256];
  bool ended = false;
  for (;;) {
    DWORD got = 0;
    if (ReadConsoleW(in, buffer, 256, &got, nullptr) == 0 || got == 0) {
      ended = line.empty();
      break;
    }
    line.append(buffer, got);
    if (line.find(L'\n') != std::wstring::npos) break;
  }
  SetConsoleMode(in, before);
  std::fputs("\n", stderr);
  if (ended) return std::nullopt;
  while (!line.empty() && (line.back() == L'\n' || line.back() == L'\r')) line.pop_back();
  return win::Utf8(line);
}

}  // namespace osfleet::platform
