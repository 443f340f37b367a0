#include "common/platform/interrupt.h"

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

std::atomic<std::atomic<bool>*> g_flag{nullptr};
std::atomic<int> g_requests{0};
std::vector<std::string>* g_notices = nullptr;  // written once, before the handler

void WriteNotice(const std::string& text) {
  HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
  if (err == nullptr || err == INVALID_HANDLE_VALUE) return;
  DWORD written = 0;
  WriteFile(err, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
}

// Ctrl-C, Ctrl-Break and closing the console (on a thread of its own). Each request sets
// the flag and shows its notice; the one after the last notice is left to the default
// handler, which ends the process.
BOOL WINAPI OnConsoleEvent(DWORD event) {
  if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT && event != CTRL_CLOSE_EVENT) {
    return FALSE;
  }
  const int n = g_requests.fetch_add(1);
  const int allowed = g_notices->empty() ? 1 : static_cast<int>(g_notices->size());
  if (n >= allowed) return FALSE;
  if (std::atomic<bool>* flag = g_flag.load()) flag->store(true);
  if (!g_notices->empty()) WriteNotice((*g_notices)[static_cast<size_t>(n)]);
  return TRUE;
}

std::atomic<std::atomic<int>*> g_counter{nullptr};

// Counted only; closing the console (or logging off) still ends the process, as Windows
// ends it a few seconds later anyway.
BOOL WINAPI OnCountedEvent(DWORD event) {
  if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT) return FALSE;
  if (std::atomic<int>* counter = g_counter.load()) counter->fetch_add(1);
  return TRUE;
}

}  // namespace

void CountInterrupts(std::atomic<int>* requests) {
  g_counter.store(requests);
  SetConsoleCtrlHandler(OnCountedEvent, TRUE);
}

void EndAsInterrupted() { ExitProcess(STATUS_CONTROL_C_EXIT); }

void SetFlagOnInterrupt(std::atomic<bool>* flag, std::vector<std::string> notices) {
  if (g_notices == nullptr) g_notices = new std::vector<std::string>(std::move(notices));
  g_flag.store(flag);
  SetConsoleCtrlHandler(OnConsoleEvent, TRUE);
}

}  // namespace osfleet::platform
