// One OutSystems service as the agent controls it, behind a backend chosen per service in
// the agent config: `process` (the agent supervises a child it starts), `command`
// (start/stop/status shell commands, e.g. systemctl), `windows` (Service Control Manager).
// Start and Stop block until the target state or the timeout: run them off gRPC threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet::agent {

enum class ServiceState { kUnknown, kStopped, kStarting, kRunning, kStopping, kFailed };

// "stopped", "starting", "running", "stopping", "failed", "unknown".
const char* ServiceStateName(ServiceState state);

struct ServiceStatus {
  std::string name;
  ServiceState state = ServiceState::kUnknown;
  int64_t pid = 0;                               // 0 when not known
  absl::Time started_at = absl::InfinitePast();  // InfinitePast when not known
  std::string detail;  // why it failed: exit status and the last stderr lines, etc.
};

// process backend: every configured check must pass; none configured = stays up 500ms.
struct ReadinessCheck {
  int tcp_port = 0;                                // ready once 127.0.0.1:port accepts
  absl::Duration stays_up = absl::ZeroDuration();  // ready once alive this long
};

enum class BackendKind { kProcess, kCommand, kWindows };

struct ServiceConfig {
  std::string name;  // e.g. "OutSystems Deployment Service"
  BackendKind backend = BackendKind::kProcess;
  absl::Duration start_timeout = absl::Seconds(30);
  absl::Duration stop_timeout = absl::Seconds(30);  // process: grace before SIGKILL
  // process
  std::vector<std::string> command;        // argv; command[0] is a path
  std::map<std::string, std::string> env;  // added to the agent's environment
  std::string working_dir;
  ReadinessCheck ready;
  // command (each run with /bin/sh -c; status exit code 0 = running, 3 = stopped
  // (LSB), anything else = failed)
  std::string start_command, stop_command, status_command;
  // windows: the service name for the SCM is `name`.
};

class ServiceBackend {
 public:
  virtual ~ServiceBackend() = default;
  virtual const std::string& name() const = 0;
  // Starts the service and waits until ready or start_timeout. Already running: OK.
  // FAILED_PRECONDITION / DEADLINE_EXCEEDED with the service's own reason (exit status,
  // last stderr lines) otherwise.
  virtual absl::Status Start() = 0;
  // Stops it and waits until stopped (process: SIGTERM, then SIGKILL after
  // stop_timeout). Already stopped: OK.
  virtual absl::Status Stop() = 0;
  virtual ServiceStatus Status() = 0;
  // Whether the backend knows this service, asked without changing anything (osctl
  // doctor): process — its program is there and may be run; command — its status command
  // runs and does not answer 4 (LSB "status unknown", what `systemctl status` says of a
  // unit that does not exist); windows — the Service Control Manager has it. NOT_FOUND or
  // FAILED_PRECONDITION saying why otherwise.
  virtual absl::Status CheckKnown() = 0;
};

// state_dir: where a backend may keep files (process: pid files, so that a restarted
// agent finds and can stop children it started before it died).
absl::StatusOr<std::unique_ptr<ServiceBackend>> MakeServiceBackend(const ServiceConfig& config,
                                                                   const std::string& state_dir);

}  // namespace osfleet::agent
