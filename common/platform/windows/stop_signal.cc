#include "common/platform/stop_signal.h"

#include <condition_variable>
#include <mutex>

#include "common/platform/windows/stop_request.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

struct Pending {
  std::mutex mutex;
  std::condition_variable changed;
  std::string why;  // empty while no stop was requested
};

Pending& State() {
  static Pending* pending = new Pending;  // lives as long as the process: handlers use it
  return *pending;
}

const char* EventName(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
      return "Ctrl-C";
    case CTRL_BREAK_EVENT:
      return "Ctrl-Break";
    case CTRL_CLOSE_EVENT:
      return "the console was closed";
    case CTRL_LOGOFF_EVENT:
      return "logoff";
    case CTRL_SHUTDOWN_EVENT:
      return "shutdown";
    default:
      return nullptr;
  }
}

// Runs on a thread Windows creates for the event. Returning from CTRL_CLOSE_EVENT ends the
// process (after at most 5 s): give the agent that long to stop cleanly.
BOOL WINAPI OnConsoleEvent(DWORD event) {
  const char* name = EventName(event);
  // A service gets LOGOFF when any user logs off: not a reason to stop.
  if (name == nullptr || event == CTRL_LOGOFF_EVENT) return FALSE;
  win::RequestStop(name);
  if (event == CTRL_CLOSE_EVENT || event == CTRL_SHUTDOWN_EVENT) Sleep(4500);
  return TRUE;
}

}  // namespace

namespace win {

void RequestStop(const std::string& why) {
  Pending& state = State();
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (!state.why.empty()) return;
    state.why = why.empty() ? "stop requested" : why;
  }
  state.changed.notify_all();
}

}  // namespace win

StopSignal::StopSignal() {
  State();
  SetConsoleCtrlHandler(OnConsoleEvent, TRUE);
}

std::string StopSignal::Wait() {
  Pending& state = State();
  std::unique_lock<std::mutex> lock(state.mutex);
  state.changed.wait(lock, [&] { return !state.why.empty(); });
  return state.why;
}

}  // namespace osfleet::platform
