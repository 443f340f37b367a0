#include "common/platform/os_service.h"

#include <memory>
#include <mutex>
#include <type_traits>

#include "common/platform/windows/service_control.h"
#include "common/platform/windows/stop_request.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

struct CloseSc {
  void operator()(SC_HANDLE handle) const { CloseServiceHandle(handle); }
};
using ScHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, CloseSc>;

// How long the SCM waits for each step before it gives up on the service: the agent
// starts in seconds; a stop drains calls for up to 5 s (AgentServer::Shutdown).
constexpr DWORD kStartWaitHintMs = 60000;
constexpr DWORD kStopWaitHintMs = 15000;

// The recovery: restart after 5 s, 30 s, 60 s; the count of failures reset after a day.
constexpr DWORD kResetPeriodSeconds = 24 * 60 * 60;
constexpr DWORD kRestartDelaysMs[] = {5000, 30000, 60000};

Result<ScHandle> OpenManager(DWORD access) {
  ScHandle manager(OpenSCManagerW(nullptr, nullptr, access));
  if (!manager) {
    return win::LastError("opening the Service Control Manager (run this as an Administrator)");
  }
  return manager;
}

// Account names Windows accepts for a service, or nullptr for LocalSystem.
const wchar_t* AccountOrNull(const std::wstring& account) {
  return account.empty() ? nullptr : account.c_str();
}

// false: this SCM does not know the recovery settings (Wine).
Result<bool> ConfigureRecovery(SC_HANDLE service, const std::string& name) {
  SC_ACTION actions[std::size(kRestartDelaysMs)];
  for (std::size_t i = 0; i < std::size(kRestartDelaysMs); ++i) {
    actions[i] = SC_ACTION{SC_ACTION_RESTART, kRestartDelaysMs[i]};
  }
  SERVICE_FAILURE_ACTIONSW failure = {};
  failure.dwResetPeriod = kResetPeriodSeconds;
  failure.cActions = static_cast<DWORD>(std::size(actions));
  failure.lpsaActions = actions;
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    const DWORD error = GetLastError();
    if (error == ERROR_INVALID_LEVEL) return false;
    return win::WinError(error, "setting the recovery of service " + name);
  }
  // A stop with a non-zero exit code (the agent could not start) is a failure too.
  SERVICE_FAILURE_ACTIONS_FLAG flag = {TRUE};
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag)) {
    const DWORD error = GetLastError();
    if (error == ERROR_INVALID_LEVEL) return false;
    return win::WinError(error, "setting the recovery of service " + name);
  }
  return true;
}

Result<void> Describe(SC_HANDLE service, const ServiceRegistration& r) {
  std::wstring text = win::Wide(r.description);
  SERVICE_DESCRIPTIONW description = {&text[0]};
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_DESCRIPTION, &description)) {
    return win::LastError("setting the description of service " + r.name);
  }
  return {};
}

Result<void> UpdateExisting(SC_HANDLE manager, const ServiceRegistration& r,
                            const std::wstring& command, ScHandle& service) {
  const std::wstring name = win::Wide(r.name), display = win::Wide(r.display_name);
  const std::wstring account = win::Wide(r.account.empty() ? "LocalSystem" : r.account);
  service.reset(OpenServiceW(manager, name.c_str(), SERVICE_CHANGE_CONFIG | SERVICE_START));
  if (!service) return win::LastError("opening the installed service " + r.name);
  if (!ChangeServiceConfigW(service.get(), SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                            SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr, nullptr,
                            account.c_str(), nullptr, display.c_str())) {
    return win::LastError("updating the installed service " + r.name);
  }
  return {};
}

// The state of the service this process runs as (one per process).
struct Running {
  std::mutex mutex;
  std::wstring name;
  const ServiceBody* body = nullptr;
  SERVICE_STATUS_HANDLE handle = nullptr;
  SERVICE_STATUS status = {};
  int exit_code = 0;
  DWORD register_error = NO_ERROR;
};

Running& Service() {
  static Running* running = new Running;  // the SCM's threads use it until the process ends
  return *running;
}

void Report(DWORD state, int exit_code, DWORD wait_hint) {
  Running& s = Service();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.handle == nullptr) return;
  // Once stopping or stopped, a late "running" from the body must not undo it.
  if (state == SERVICE_RUNNING && s.status.dwCurrentState != SERVICE_START_PENDING) return;
  const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  s.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.status.dwCurrentState = state;
  s.status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  s.status.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  s.status.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
  s.status.dwCheckPoint = pending ? s.status.dwCheckPoint + 1 : 0;
  s.status.dwWaitHint = wait_hint;
  SetServiceStatus(s.handle, &s.status);
}

DWORD WINAPI OnControl(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      Report(SERVICE_STOP_PENDING, 0, kStopWaitHintMs);
      win::RequestStop(control == SERVICE_CONTROL_STOP ? "the Service Control Manager's stop"
                                                       : "the system is shutting down");
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD, wchar_t**) {
  Running& s = Service();
  SERVICE_STATUS_HANDLE handle = RegisterServiceCtrlHandlerExW(s.name.c_str(), OnControl, nullptr);
  if (handle == nullptr) {
    s.register_error = GetLastError();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.handle = handle;
  }
  Report(SERVICE_START_PENDING, 0, kStartWaitHintMs);
  s.exit_code = (*s.body)([] { Report(SERVICE_RUNNING, 0, 0); });
  Report(SERVICE_STOPPED, s.exit_code, 0);
}

}  // namespace

Result<void> ServiceManagerAvailable(const std::string&) { return {}; }

Result<Installed> InstallService(const ServiceRegistration& r) {
  Result<ScHandle> manager = OpenManager(SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
  if (!manager.ok()) return manager.error();
  const std::wstring command = win::CommandLine(r.command);
  const std::wstring name = win::Wide(r.name), display = win::Wide(r.display_name);
  const std::wstring account = win::Wide(r.account);
  ScHandle service(CreateServiceW(manager->get(), name.c_str(), display.c_str(),
                                  SERVICE_CHANGE_CONFIG | SERVICE_START, SERVICE_WIN32_OWN_PROCESS,
                                  SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command.c_str(),
                                  nullptr, nullptr, nullptr, AccountOrNull(account), nullptr));
  Installed installed;
  if (!service) {
    const DWORD error = GetLastError();
    if (error != ERROR_SERVICE_EXISTS) return win::WinError(error, "creating service " + r.name);
    if (Result<void> u = UpdateExisting(manager->get(), r, command, service); !u.ok()) {
      return u.error();
    }
    installed.updated = true;
  }
  if (Result<void> d = Describe(service.get(), r); !d.ok()) return d.error();
  Result<bool> recovery = ConfigureRecovery(service.get(), r.name);
  if (!recovery.ok()) return recovery.error();
  installed.recovery = *recovery;
  return installed;
}

Result<bool> UninstallService(const std::string& name, std::chrono::milliseconds stop_timeout) {
  Result<ScHandle> manager = OpenManager(SC_MANAGER_CONNECT);
  if (!manager.ok()) return manager.error();
  const std::wstring wide = win::Wide(name);
  ScHandle service(OpenServiceW(manager->get(), wide.c_str(), DELETE | SERVICE_QUERY_STATUS));
  if (!service) {
    const DWORD error = GetLastError();
    if (error == ERROR_SERVICE_DOES_NOT_EXIST) return false;
    return win::WinError(error, "opening service " + name);
  }
  const scm::Result stopped = scm::StopAndWait(name, stop_timeout);
  if (!stopped.ok()) {
    return win::PlatformError(Errc::kDeadlineExceeded, "not removed: " + stopped.error);
  }
  if (!DeleteService(service.get())) {
    const DWORD error = GetLastError();
    if (error != ERROR_SERVICE_MARKED_FOR_DELETE) {
      return win::WinError(error, "removing service " + name);
    }
  }
  return true;
}

Result<int> RunAsService(const std::string& name, const ServiceBody& body) {
  Running& s = Service();
  s.name = win::Wide(name);
  s.body = &body;
  SERVICE_TABLE_ENTRYW table[] = {{&s.name[0], ServiceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    const DWORD error = GetLastError();
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return win::PlatformError(
          Errc::kInvalidArgument,
          "this is how the Service Control Manager starts the service " + name +
              "; from a console start it with `sc start " + name +
              "`, or run osagent without `service run` to serve in this console");
    }
    return win::WinError(error, "connecting to the Service Control Manager");
  }
  if (s.register_error != NO_ERROR) {
    return win::WinError(s.register_error, "registering the control handler of service " + name);
  }
  // The SCM has been told the service stopped: end now, without the static destructors
  // and library shutdowns of a normal exit, so that the program file is free at once for
  // an uninstall or an upgrade replacing it (Windows Installer waits for "stopped", not
  // for the process to end).
  ExitProcess(static_cast<UINT>(s.exit_code));
}

Result<std::string> ProgramPath() {
  std::wstring buffer(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, &buffer[0], static_cast<DWORD>(buffer.size()));
    if (n == 0) return win::LastError("reading this program's path");
    if (n < buffer.size()) return win::Utf8(std::wstring_view(buffer.data(), n));
    buffer.resize(buffer.size() * 2);
  }
}

Result<std::string> AbsolutePath(const std::string& path) {
  const std::wstring wide = win::Wide(path);
  const DWORD size = GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
  if (size == 0) return win::LastError("making " + path + " absolute");
  std::wstring full(size, L'\0');
  const DWORD n = GetFullPathNameW(wide.c_str(), size, &full[0], nullptr);
  if (n == 0 || n >= size) return win::LastError("making " + path + " absolute");
  full.resize(n);
  return win::Utf8(full);
}

}  // namespace osfleet::platform
