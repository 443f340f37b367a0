#ifdef _WIN32

#include "common/platform/windows/service_control.h"

#include <windows.h>

#include <algorithm>
#include <utility>

namespace osfleet::platform::scm {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval(250);
constexpr DWORD kMaxKeyName = 257;  // service key names are at most 256 characters

// Closes a Service Control Manager handle on every return path.
class ScHandle {
 public:
  ScHandle() = default;
  explicit ScHandle(SC_HANDLE handle) : handle_(handle) {}
  ScHandle(ScHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  ScHandle& operator=(ScHandle&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ~ScHandle() { Reset(); }
  SC_HANDLE get() const { return handle_; }

 private:
  void Reset() {
    if (handle_ != nullptr) CloseServiceHandle(handle_);
    handle_ = nullptr;
  }
  SC_HANDLE handle_ = nullptr;
};

std::wstring Widen(const std::string& utf8) {
  if (utf8.empty()) return std::wstring();
  const int length = static_cast<int>(utf8.size());
  const int size = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), length, nullptr, 0);
  std::wstring out(static_cast<size_t>(std::max(size, 0)), L'\0');
  if (size > 0) MultiByteToWideChar(CP_UTF8, 0, utf8.data(), length, &out[0], size);
  return out;
}

std::string Narrow(const wchar_t* wide, DWORD length) {
  if (length == 0) return std::string();
  const int in = static_cast<int>(length);
  const int size = WideCharToMultiByte(CP_UTF8, 0, wide, in, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<size_t>(std::max(size, 0)), '\0');
  if (size > 0) WideCharToMultiByte(CP_UTF8, 0, wide, in, &out[0], size, nullptr, nullptr);
  return out;
}

Result Failure(const std::string& what, DWORD code) {
  return Result{Outcome::kFailed, what + ": " + ErrorText(code)};
}

std::string Quoted(const std::string& name) { return "service \"" + name + "\""; }

struct Opened {
  ScHandle manager;
  ScHandle service;
  Result result;
};

// Opens the service by its service name or, failing that, by its display name.
Opened Open(const std::string& name, DWORD access) {
  Opened opened;
  opened.manager = ScHandle(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (opened.manager.get() == nullptr) {
    opened.result = Failure("opening the Service Control Manager", GetLastError());
    return opened;
  }
  const std::wstring wide = Widen(name);
  opened.service = ScHandle(OpenServiceW(opened.manager.get(), wide.c_str(), access));
  DWORD error = opened.service.get() == nullptr ? GetLastError() : NO_ERROR;
  if (error == ERROR_SERVICE_DOES_NOT_EXIST) {
    wchar_t key[kMaxKeyName];
    DWORD size = kMaxKeyName;
    if (GetServiceKeyNameW(opened.manager.get(), wide.c_str(), key, &size)) {
      opened.service = ScHandle(OpenServiceW(opened.manager.get(), key, access));
      error = opened.service.get() == nullptr ? GetLastError() : NO_ERROR;
    }
  }
  if (error != NO_ERROR) opened.result = Failure("opening " + Quoted(name), error);
  return opened;
}

bool QueryRaw(SC_HANDLE service, SERVICE_STATUS_PROCESS& status) {
  DWORD needed = 0;
  return QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, reinterpret_cast<LPBYTE>(&status),
                              sizeof(status), &needed) != 0;
}

const char* StateName(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return "stopped";
    case SERVICE_START_PENDING:
      return "start pending";
    case SERVICE_STOP_PENDING:
      return "stop pending";
    case SERVICE_RUNNING:
      return "running";
    case SERVICE_CONTINUE_PENDING:
      return "continue pending";
    case SERVICE_PAUSE_PENDING:
      return "pause pending";
    case SERVICE_PAUSED:
      return "paused";
    default:
      return "in an unknown state";
  }
}

State ToState(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return State::kStopped;
    case SERVICE_START_PENDING:
      return State::kStartPending;
    case SERVICE_STOP_PENDING:
      return State::kStopPending;
    case SERVICE_RUNNING:
      return State::kRunning;
    case SERVICE_CONTINUE_PENDING:
      return State::kContinuePending;
    case SERVICE_PAUSE_PENDING:
      return State::kPausePending;
    case SERVICE_PAUSED:
      return State::kPaused;
    default:
      return State::kUnknown;
  }
}

std::string ExitDetail(const SERVICE_STATUS_PROCESS& status) {
  if (status.dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR) {
    return "service-specific exit code " + std::to_string(status.dwServiceSpecificExitCode);
  }
  if (status.dwWin32ExitCode != NO_ERROR) return "exit code " + ErrorText(status.dwWin32ExitCode);
  return std::string();
}

std::string Within(std::chrono::milliseconds timeout) {
  return " within " + std::to_string(timeout.count()) + "ms";
}

// Polls until the service is in `target`, has stopped while starting, or the deadline.
Result WaitFor(SC_HANDLE service, const std::string& name, DWORD target, Clock::time_point deadline,
               std::chrono::milliseconds timeout) {
  for (;;) {
    SERVICE_STATUS_PROCESS status = {};
    if (!QueryRaw(service, status)) return Failure("querying " + Quoted(name), GetLastError());
    if (status.dwCurrentState == target) return Result{};
    if (target == SERVICE_RUNNING && status.dwCurrentState == SERVICE_STOPPED) {
      const std::string detail = ExitDetail(status);
      return Result{Outcome::kFailed, Quoted(name) + " stopped while starting" +
                                          (detail.empty() ? "" : " (" + detail + ")")};
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return Result{Outcome::kTimeout, Quoted(name) + " not " + StateName(target) +
                                           Within(timeout) + " (it is " +
                                           StateName(status.dwCurrentState) + ")"};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    Sleep(static_cast<DWORD>(std::min(kPollInterval, left).count()) + 1);
  }
}

// A stop still in progress must end before StartServiceW can succeed.
Result AwaitPendingStop(SC_HANDLE service, const std::string& name, Clock::time_point deadline,
                        std::chrono::milliseconds timeout) {
  SERVICE_STATUS_PROCESS status = {};
  if (!QueryRaw(service, status)) return Failure("querying " + Quoted(name), GetLastError());
  if (status.dwCurrentState != SERVICE_STOP_PENDING) return Result{};
  return WaitFor(service, name, SERVICE_STOPPED, deadline, timeout);
}

}  // namespace

Result StartAndWait(const std::string& name, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  Opened opened = Open(name, SERVICE_START | SERVICE_QUERY_STATUS);
  if (!opened.result.ok()) return opened.result;
  Result pending = AwaitPendingStop(opened.service.get(), name, deadline, timeout);
  if (!pending.ok()) return pending;
  if (!StartServiceW(opened.service.get(), 0, nullptr)) {
    const DWORD error = GetLastError();
    if (error != ERROR_SERVICE_ALREADY_RUNNING) return Failure("starting " + Quoted(name), error);
  }
  return WaitFor(opened.service.get(), name, SERVICE_RUNNING, deadline, timeout);
}

Result StopAndWait(const std::string& name, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  Opened opened = Open(name, SERVICE_STOP | SERVICE_QUERY_STATUS);
  if (!opened.result.ok()) return opened.result;
  SERVICE_STATUS status = {};
  if (!ControlService(opened.service.get(), SERVICE_CONTROL_STOP, &status)) {
    const DWORD error = GetLastError();
    if (error == ERROR_SERVICE_NOT_ACTIVE) return Result{};
    // Cannot accept the control while a start or stop is pending: wait for the outcome.
    if (error != ERROR_SERVICE_CANNOT_ACCEPT_CTRL) {
      return Failure("stopping " + Quoted(name), error);
    }
  }
  return WaitFor(opened.service.get(), name, SERVICE_STOPPED, deadline, timeout);
}

ServiceInfo Query(const std::string& name) {
  ServiceInfo info;
  Opened opened = Open(name, SERVICE_QUERY_STATUS);
  if (!opened.result.ok()) {
    info.result = opened.result;
    return info;
  }
  SERVICE_STATUS_PROCESS status = {};
  if (!QueryRaw(opened.service.get(), status)) {
    info.result = Failure("querying " + Quoted(name), GetLastError());
    return info;
  }
  info.state = ToState(status.dwCurrentState);
  info.pid = status.dwProcessId;
  if (status.dwCurrentState == SERVICE_STOPPED) info.exit_detail = ExitDetail(status);
  return info;
}

std::string ErrorText(unsigned long code) {
  wchar_t* buffer = nullptr;
  const DWORD length = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<LPWSTR>(&buffer), 0, nullptr);
  std::string text = length == 0 ? std::string("unknown error") : Narrow(buffer, length);
  if (buffer != nullptr) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text + " (error " + std::to_string(code) + ")";
}

}  // namespace osfleet::platform::scm

#endif  // _WIN32
