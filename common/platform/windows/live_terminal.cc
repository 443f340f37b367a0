#include "common/platform/live_terminal.h"

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

bool IsConsole(HANDLE handle) {
  DWORD mode = 0;
  return handle != nullptr && handle != INVALID_HANDLE_VALUE && GetConsoleMode(handle, &mode) != 0;
}

}  // namespace

// A console, not a pipe or a file (GetConsoleMode succeeds only on a console handle).
bool StderrIsTerminal() { return IsConsole(GetStdHandle(STD_ERROR_HANDLE)); }

int StderrColumns() {
  CONSOLE_SCREEN_BUFFER_INFO info;
  if (!GetConsoleScreenBufferInfo(GetStdHandle(STD_ERROR_HANDLE), &info)) return 0;
  return info.srWindow.Right - info.srWindow.Left + 1;
}

std::optional<std::string> ReadLineUnless(const std::function<bool()>& give_up) {
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  if (!IsConsole(in)) return std::nullopt;
  for (;;) {
    if (give_up()) return std::nullopt;
    // Signalled by any console input (a key, the mouse, focus): then ReadConsoleW waits
    // for the line's Enter.
    if (WaitForSingleObject(in, 100) != WAIT_OBJECT_0) continue;
    wchar_t buffer[256];
    DWORD got = 0;
    if (ReadConsoleW(in, buffer, 256, &got, nullptr) == 0) return std::nullopt;
    if (got == 0) continue;  // a Ctrl-C during the read: ask give_up again
    std::wstring wide(buffer, got);
    while (!wide.empty() && (wide.back() == L'\n' || wide.back() == L'\r')) wide.pop_back();
    const int bytes = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                                          nullptr, 0, nullptr, nullptr);
    std::string line(static_cast<size_t>(bytes > 0 ? bytes : 0), '\0');
    if (bytes > 0) {
      WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), &line[0], bytes,
                          nullptr, nullptr);
    }
    return line;
  }
}

}  // namespace osfleet::platform
