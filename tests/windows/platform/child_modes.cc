#include "tests/windows/platform/child_modes.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/platform/windows/win32.h"

namespace osfleet::platform::testing {

const char* SelfPath() {
  static const std::string path = [] {
    wchar_t buffer[MAX_PATH * 4];
    const DWORD n = GetModuleFileNameW(nullptr, buffer, sizeof(buffer) / sizeof(buffer[0]));
    return win::Utf8(std::wstring_view(buffer, n));
  }();
  return path.c_str();
}

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
  std::fprintf(stderr, "unknown child mode %s\n", name);
  return 2;
}

}  // namespace osfleet::platform::testing
