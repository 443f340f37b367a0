#include "common/platform/interrupt.h"

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

std::atomic<std::atomic<bool>*> g_flag{nullptr};
std::atomic<int> g_requests{0};

// Ctrl-C, Ctrl-Break and closing the console. The first sets the flag; the second is left
// to the default handler, which ends the process.
BOOL WINAPI OnConsoleEvent(DWORD event) {
  if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT && event != CTRL_CLOSE_EVENT) {
    return FALSE;
  }
  if (g_requests.fetch_add(1) > 0) return FALSE;
  if (std::atomic<bool>* flag = g_flag.load()) flag->store(true);
  return TRUE;
}

}  // namespace

void SetFlagOnInterrupt(std::atomic<bool>* flag) {
  g_flag.store(flag);
  SetConsoleCtrlHandler(OnConsoleEvent, TRUE);
}

}  // namespace osfleet::platform
