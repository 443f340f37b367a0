#include "tests/windows/platform/child_modes.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/platform/console.h"
#include "common/platform/os_service.h"
#include "common/platform/stop_signal.h"
#include "common/platform/windows/win32.h"

#include <shellapi.h>

namespace osfleet::platform::testing {

const char* SelfPath() {
  static const std::string path = [] {
    wchar_t buffer[MAX_PATH * 4];
    const DWORD n = GetModuleFileNameW(nullptr, buffer, sizeof(buffer) / sizeof(buffer[0]));
    return win::Utf8(std::wstring_view(buffer, n));
  }();
  return path.c_str();
}

namespace {

int PrintWideArgs() {
  int count = 0;
  wchar_t** args = CommandLineToArgvW(GetCommandLineW(), &count);
  bool after_mode = false;
  for (int i = 0; i < count; ++i) {
    const std::string arg = win::Utf8(args[i]);
    if (after_mode) std::printf("[%s]\n", arg.c_str());
    if (arg == "--child=args") after_mode = true;
  }
  LocalFree(args);
  std::fflush(stdout);
  return 0;
}

// Utf8Arguments of this process (mingw's __argc/__argv: the C runtime's own argv).
int PrintUtf8Args() {
  bool after_mode = false;
  for (const std::string& arg : Utf8Arguments(__argc, __argv)) {
    if (after_mode) std::printf("[%s]\n", arg.c_str());
    if (arg == "--child=utf8args") after_mode = true;
  }
  std::fflush(stdout);
  return 0;
}

// "stdout_color=1 stderr_color=1 utf8=1 cp=65001 vt=1": what PrepareConsole said, the
// console's output code page and whether stdout's console mode has VT processing now.
int ReportConsole(const char* file) {
  const ConsoleState state = PrepareConsole();
  DWORD mode = 0;
  const bool vt = GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) != 0 &&
                  (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
  FILE* out = _wfopen(win::Wide(file).c_str(), L"w");
  if (out == nullptr) return 3;
  std::fprintf(out, "stdout_color=%d stderr_color=%d utf8=%d cp=%u vt=%d\n", state.stdout_color,
               state.stderr_color, state.utf8_output, GetConsoleOutputCP(), vt);
  std::fclose(out);
  return 0;
}

unsigned long StartGrandchild() {
  std::wstring command = L"\"" + win::Wide(SelfPath()) + L"\" --child=sleep 60000";
  STARTUPINFOW startup = {};
  startup.cb = sizeof(startup);
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION info = {};
  if (!CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr,
                      &startup, &info)) {
    return 0;
  }
  CloseHandle(info.hThread);
  CloseHandle(info.hProcess);
  return info.dwProcessId;
}

// Appends a line to path (the service's report to the test that started it).
void AppendLine(const std::string& path, const std::string& line) {
  FILE* f = _wfopen(win::Wide(path).c_str(), L"ab");
  if (f == nullptr) return;
  std::fprintf(f, "%s\n", line.c_str());
  std::fclose(f);
}

// service NAME FILE CODE: runs as the service NAME; CODE 0 serves until stopped and writes
// "running", then the stop's reason, to FILE; another CODE stops at once with it.
int RunService(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string name = argv[0], file = argv[1];
  const int code = std::atoi(argv[2]);
  Result<int> ran = RunAsService(name, [&](const std::function<void()>& ready) {
    if (code != 0) return code;
    StopSignal stop;
    ready();
    AppendLine(file, "running");
    AppendLine(file, "stopped: " + stop.Wait());
    return 0;
  });
  if (!ran.ok()) {
    AppendLine(file, "error: " + ran.error().Message());
    return 4;
  }
  return *ran;
}

}  // namespace

int RunChildMode(const char* name, int argc, char** argv) {
  // exit CODE: exits with CODE.
  if (std::strcmp(name, "exit") == 0) return argc > 0 ? std::atoi(argv[0]) : 0;
  // print TEXT...: writes each argument on a line of its own to stdout.
  if (std::strcmp(name, "print") == 0) {
    for (int i = 0; i < argc; ++i) std::printf("%s\n", argv[i]);
    std::fflush(stdout);
    return 0;
  }
  // sleep MS: sleeps, then exits 0.
  if (std::strcmp(name, "sleep") == 0) {
    Sleep(static_cast<DWORD>(argc > 0 ? std::atoi(argv[0]) : 60000));
    return 0;
  }
  // args ARG...: writes each argument as it arrived (wide argv, UTF-8) in [brackets].
  if (std::strcmp(name, "args") == 0) return PrintWideArgs();
  // env NAME: writes NAME's value (or "<unset>").
  if (std::strcmp(name, "env") == 0 && argc > 0) {
    const wchar_t* value = _wgetenv(win::Wide(argv[0]).c_str());  // not the ANSI code page
    std::printf("%s\n", value != nullptr ? win::Utf8(value).c_str() : "<unset>");
    return 0;
  }
  // cwd: writes the current folder.
  if (std::strcmp(name, "cwd") == 0) {
    wchar_t buffer[MAX_PATH * 4];
    const DWORD n = GetCurrentDirectoryW(sizeof(buffer) / sizeof(buffer[0]), buffer);
    std::printf("%s\n", win::Utf8(std::wstring_view(buffer, n)).c_str());
    return 0;
  }
  // stderr TEXT: writes TEXT to stderr.
  if (std::strcmp(name, "stderr") == 0 && argc > 0) {
    std::fprintf(stderr, "%s\n", argv[0]);
    return 0;
  }
  // tree MS: starts a grandchild that sleeps a minute with this stdout, writes its pid,
  // then sleeps MS and exits 0.
  if (std::strcmp(name, "tree") == 0) {
    const unsigned long pid = StartGrandchild();
    std::printf("%lu\n", pid);
    std::fflush(stdout);
    Sleep(static_cast<DWORD>(argc > 0 ? std::atoi(argv[0]) : 60000));
    return pid != 0 ? 0 : 3;
  }
  if (std::strcmp(name, "service") == 0) return RunService(argc, argv);
  // utf8args ARG...: writes each argument as Utf8Arguments gives it, in [brackets].
  if (std::strcmp(name, "utf8args") == 0) return PrintUtf8Args();
  // console FILE: PrepareConsole, then writes what it did and the console's state to FILE.
  if (std::strcmp(name, "console") == 0 && argc > 0) return ReportConsole(argv[0]);
  std::fprintf(stderr, "unknown child mode %s\n", name);
  return 2;
}

}  // namespace osfleet::platform::testing
