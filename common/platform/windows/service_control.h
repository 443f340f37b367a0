// Windows Service Control Manager calls for the `windows` backend: start / stop a service
// and wait for SERVICE_RUNNING / SERVICE_STOPPED, query its state. Plain C++17 over
// <windows.h> (no absl, no project headers) so that mingw compile-checks it on Linux.
#pragma once

#ifdef _WIN32

#include <chrono>
#include <string>

namespace osfleet::platform::scm {

enum class Outcome { kOk, kTimeout, kFailed };

struct Result {
  Outcome outcome = Outcome::kOk;
  std::string error;  // what failed, with the Windows error text ("... : Access is denied.")
  bool ok() const { return outcome == Outcome::kOk; }
};

enum class State {
  kUnknown,
  kStopped,
  kStartPending,
  kStopPending,
  kRunning,
  kContinuePending,
  kPausePending,
  kPaused
};

struct ServiceInfo {
  Result result;  // kFailed when the service cannot be queried
  State state = State::kUnknown;
  unsigned long pid = 0;    // 0 when not running
  std::string exit_detail;  // when stopped with an error: its exit code and text
};

// name: the service name or display name, UTF-8 ("OutSystems Deployment Service").
// Already running / already stopped: OK. kTimeout when the state is not reached in time.
Result StartAndWait(const std::string& name, std::chrono::milliseconds timeout);
Result StopAndWait(const std::string& name, std::chrono::milliseconds timeout);
ServiceInfo Query(const std::string& name);

// FormatMessageW's text for a Windows error code, UTF-8, with the code: "Access is denied.
// (error 5)".
std::string ErrorText(unsigned long code);

}  // namespace osfleet::platform::scm

#endif  // _WIN32
