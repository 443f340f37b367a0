// `command` backend: start / stop / status shell commands (e.g. `systemctl start x`), each
// run with /bin/sh -c under a timeout. Status exit code 0 = running, 3 = stopped (LSB),
// anything else = failed. Start and Stop run their command, then poll status until the
// target state or the timeout.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/outsystems_services/service_backend.h"
#include "common/platform/child_process.h"

namespace osfleet::agent {

struct CommandResult {
  int wait_status = 0;  // platform::ExitStatus::raw
  std::string output;   // the last lines of stdout and stderr

  platform::ExitStatus exit() const { return platform::ExitStatus{wait_status}; }
};

// Runs `/bin/sh -c command` in its own process group with stdin /dev/null. Past timeout
// the group is killed and the result is DEADLINE_EXCEEDED (with the output so far). The
// command may leave background children holding its output: they are not waited for.
absl::StatusOr<CommandResult> RunShellCommand(const std::string& command, absl::Duration timeout);

class CommandBackend final : public ServiceBackend {
 public:
  // INVALID_ARGUMENT when a command is missing.
  static absl::StatusOr<std::unique_ptr<CommandBackend>> Create(const ServiceConfig& config);

  const std::string& name() const override { return config_.name; }
  absl::Status Start() override;
  absl::Status Stop() override;
  ServiceStatus Status() override;
  absl::Status CheckKnown() override;

 private:
  explicit CommandBackend(ServiceConfig config) : config_(std::move(config)) {}
  ServiceStatus Query(absl::Time deadline);
  absl::Status Change(ServiceState target, const std::string& command, absl::Duration timeout);
  absl::Status RunStep(absl::string_view step, const std::string& command, absl::Time deadline);
  absl::Status AwaitState(ServiceState target, absl::Time deadline, absl::Duration timeout);

  const ServiceConfig config_;
  absl::Mutex op_mu_;  // one Start or Stop at a time
};

}  // namespace osfleet::agent
