// Running a program as an operating-system service. On Windows that is the Service
// Control Manager: register the service, remove it, and run as it once the SCM starts
// the process. On POSIX systemd (packaging/osagent.service) runs the program as it is,
// so these calls say so instead.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

struct ServiceRegistration {
  std::string name;          // the service name: "osagent"
  std::string display_name;  // as services.msc shows it
  std::string description;
  std::vector<std::string> command;  // argv; command[0] an absolute program path
  // The account it runs as: empty for LocalSystem; "NT AUTHORITY\LocalService",
  // "NT AUTHORITY\NetworkService", a virtual account "NT SERVICE\NAME" or a group managed
  // service account "DOMAIN\name$" (none of which has a password).
  std::string account;
};

// OK where this OS has a service manager these calls drive (Windows); on POSIX an
// Errc::kInvalidArgument Error saying that `command` is for Windows.
Result<void> ServiceManagerAvailable(const std::string& command);

// What InstallService did.
struct Installed {
  bool updated = false;  // the service existed and was changed in place
  // The SCM took the recovery settings (false only where the SCM does not know them:
  // Wine's answers ERROR_INVALID_LEVEL).
  bool recovery = true;
};

// Registers the service to start automatically, restarted by the SCM 5 s, 30 s and 60 s
// after each failure (the count reset after a day), a stop with a non-zero exit code
// counting as a failure. An existing service of that name is updated in place (program,
// arguments, account, start type, recovery) so that an upgrade keeps its place.
Result<Installed> InstallService(const ServiceRegistration& registration);

// Stops the service (waiting up to stop_timeout) and removes it: true. false when no such
// service is registered.
Result<bool> UninstallService(const std::string& name, std::chrono::milliseconds stop_timeout);

// The service's body: it calls ready() once it serves, runs until a stop request
// (StopSignal::Wait returns: the SCM's stop or the system's shutdown), and returns its
// exit code (non-zero: a failure the SCM's recovery acts on).
using ServiceBody = std::function<int(const std::function<void()>& ready)>;

// Hands this process to the SCM as the service `name` and runs body on the SCM's thread;
// reports start-pending, running once ready() is called, stop-pending on a stop request,
// and stopped with body's exit code, then ends the process with that code at once (no
// static destructors: the program file must be free as soon as the SCM says "stopped", for
// an uninstall or upgrade). Returns only with an Error: Errc::kInvalidArgument when the
// process was not started by the SCM (run from a console), or the SCM's own error.
Result<int> RunAsService(const std::string& name, const ServiceBody& body);

// This program's own absolute path (for a service's command line).
Result<std::string> ProgramPath();

// path made absolute against the current folder (a service starts in another one).
Result<std::string> AbsolutePath(const std::string& path);

}  // namespace osfleet::platform
