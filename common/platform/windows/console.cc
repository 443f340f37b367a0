#include "common/platform/console.h"

#include <fcntl.h>
#include <io.h>

#include <cstdio>
#include <cstdlib>

#include "common/platform/windows/win32.h"

#include <shellapi.h>

namespace osfleet::platform {
namespace {

// What the console was before PrepareConsole, given back at exit (the console outlives
// osctl: cmd.exe would keep UTF-8 and VT mode otherwise).
struct Before {
  HANDLE out = nullptr;
  DWORD out_mode = 0;
  HANDLE err = nullptr;
  DWORD err_mode = 0;
  UINT output_cp = 0;
};
Before before;

void Restore() {
  if (before.out != nullptr) SetConsoleMode(before.out, before.out_mode);
  if (before.err != nullptr) SetConsoleMode(before.err, before.err_mode);
  if (before.output_cp != 0) SetConsoleOutputCP(before.output_cp);
}

// Turns on VT processing for a console handle; false when it is no console or the console
// refuses (before Windows 10 1511). Remembers the old mode in `handle` / `mode`.
bool EnableVirtualTerminal(DWORD which, HANDLE& handle, DWORD& mode) {
  const HANDLE h = GetStdHandle(which);
  DWORD current = 0;
  if (h == nullptr || h == INVALID_HANDLE_VALUE || GetConsoleMode(h, &current) == 0) return false;
  if (SetConsoleMode(h, current | ENABLE_PROCESSED_OUTPUT | ENABLE_VIRTUAL_TERMINAL_PROCESSING) ==
      0) {
    return false;
  }
  handle = h;
  mode = current;
  return true;
}

// A console stream written as whole UTF-8 strings. The C runtime's text mode on a console
// converts each byte through the C locale's code page first ("Łódź" came out as
// "Å\u0081Ã³dÅº"), and an unbuffered stream (a console's default) hands the console one
// byte at a time, which it cannot decode as UTF-8 (each byte became a character of its
// own). Binary mode and a buffer: each write (osctl flushes after every one) reaches
// WriteFile whole, and the console decodes it in its output code page (UTF-8, set below);
// line feeds still start a new line (ENABLE_PROCESSED_OUTPUT). Pipes and files keep the
// runtime's defaults (text mode, CRLF).
void WriteConsoleBytes(DWORD which, FILE* stream) {
  DWORD mode = 0;
  if (GetConsoleMode(GetStdHandle(which), &mode) == 0) return;
  std::setvbuf(stream, nullptr, _IOFBF, 64 * 1024);
  _setmode(_fileno(stream), _O_BINARY);
}

// A console on stdout or stderr: its output code page matters.
bool HasConsoleOutput() {
  DWORD mode = 0;
  return GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) != 0 ||
         GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode) != 0;
}

ConsoleState Prepare() {
  ConsoleState state;
  state.stdout_color = EnableVirtualTerminal(STD_OUTPUT_HANDLE, before.out, before.out_mode);
  state.stderr_color = EnableVirtualTerminal(STD_ERROR_HANDLE, before.err, before.err_mode);
  if (!HasConsoleOutput()) {
    state.utf8_output = true;  // a pipe or a file takes the UTF-8 bytes as they are
  } else {
    const UINT cp = GetConsoleOutputCP();
    state.utf8_output = cp == CP_UTF8 || SetConsoleOutputCP(CP_UTF8) != 0;
    if (cp != CP_UTF8 && state.utf8_output) before.output_cp = cp;
    if (state.utf8_output) {
      WriteConsoleBytes(STD_OUTPUT_HANDLE, stdout);
      WriteConsoleBytes(STD_ERROR_HANDLE, stderr);
    }
  }
  std::atexit(Restore);
  return state;
}

}  // namespace

ConsoleState PrepareConsole() {
  static const ConsoleState state = Prepare();
  return state;
}

std::vector<std::string> Utf8Arguments(int argc, char** argv) {
  int count = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &count);
  if (wide == nullptr || count != argc) {  // not this process's command line: keep argv
    LocalFree(wide);
    return std::vector<std::string>(argv, argv + argc);
  }
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(win::Utf8(wide[i]));
  LocalFree(wide);
  return out;
}

}  // namespace osfleet::platform
