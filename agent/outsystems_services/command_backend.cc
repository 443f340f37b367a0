#include "agent/outsystems_services/command_backend.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/io/os_status.h"
#include "common/platform/child_process.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kStatusTimeout = absl::Seconds(10);
constexpr absl::Duration kMinCommandTimeout = absl::Milliseconds(100);
constexpr absl::Duration kFirstPause = absl::Milliseconds(50);
constexpr absl::Duration kMaxPause = absl::Milliseconds(500);
constexpr int kStatusRunning = 0;
constexpr int kStatusStopped = 3;  // LSB: "program is not running"
constexpr int kStatusUnknown = 4;  // LSB: "program or service status is unknown"

std::string WithOutput(absl::string_view message, const std::string& output) {
  if (output.empty()) return absl::StrCat(message, " (no output)");
  return absl::StrCat(message, ": ", output);
}

}  // namespace

absl::StatusOr<CommandResult> RunShellCommand(const std::string& command, absl::Duration timeout) {
  platform::Result<platform::CommandOutcome> run = platform::RunCommand(
      {{"/bin/sh", "-c", command}, {}, ""}, absl::ToChronoNanoseconds(timeout));
  if (!run.ok()) return ToStatus(run.error());
  if (run->timed_out) {
    return absl::DeadlineExceededError(
        WithOutput(absl::StrCat("`", command, "` did not finish within ",
                                absl::FormatDuration(timeout), "; killed it"),
                   ValidUtf8(run->output)));
  }
  // A service may write in its code page, and the tail may cut a character: valid here.
  return CommandResult{run->exit.raw, ValidUtf8(run->output)};
}

absl::StatusOr<std::unique_ptr<CommandBackend>> CommandBackend::Create(
    const ServiceConfig& config) {
  if (config.start_command.empty() || config.stop_command.empty() ||
      config.status_command.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("service \"", config.name,
                     "\": the command backend needs start_command, stop_command and "
                     "status_command"));
  }
  return std::unique_ptr<CommandBackend>(new CommandBackend(config));
}

absl::Status CommandBackend::Start() {
  absl::MutexLock op(&op_mu_);
  return Change(ServiceState::kRunning, config_.start_command, config_.start_timeout);
}

absl::Status CommandBackend::Stop() {
  absl::MutexLock op(&op_mu_);
  return Change(ServiceState::kStopped, config_.stop_command, config_.stop_timeout);
}

ServiceStatus CommandBackend::Status() { return Query(absl::Now() + kStatusTimeout); }

absl::Status CommandBackend::CheckKnown() {
  absl::StatusOr<CommandResult> result = RunShellCommand(config_.status_command, kStatusTimeout);
  if (!result.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("its status command did not answer: ", result.status().message()));
  }
  if (result->exit().Code() != kStatusUnknown) return absl::OkStatus();
  return absl::NotFoundError(WithOutput(
      "its status command exited with status 4: the service is unknown (LSB; systemctl's "
      "answer for a unit that does not exist)",
      result->output));
}

ServiceStatus CommandBackend::Query(absl::Time deadline) {
  ServiceStatus status;
  status.name = config_.name;
  const absl::Duration timeout =
      std::clamp(deadline - absl::Now(), kMinCommandTimeout, kStatusTimeout);
  absl::StatusOr<CommandResult> result = RunShellCommand(config_.status_command, timeout);
  if (!result.ok()) {
    status.detail = absl::StrCat("status command: ", result.status().message());
    return status;  // kUnknown
  }
  const int code = result->exit().Code();
  if (code == kStatusRunning) {
    status.state = ServiceState::kRunning;
  } else if (code == kStatusStopped) {
    status.state = ServiceState::kStopped;
  } else {
    status.state = ServiceState::kFailed;
    status.detail =
        WithOutput(absl::StrCat("status command ", result->exit().Describe()), result->output);
  }
  return status;
}

absl::Status CommandBackend::Change(ServiceState target, const std::string& command,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (Query(deadline).state == target) return absl::OkStatus();
  const absl::string_view step = target == ServiceState::kRunning ? "start" : "stop";
  if (absl::Status s = RunStep(step, command, deadline); !s.ok()) return s;
  return AwaitState(target, deadline, timeout);
}

absl::Status CommandBackend::RunStep(absl::string_view step, const std::string& command,
                                     absl::Time deadline) {
  absl::StatusOr<CommandResult> result =
      RunShellCommand(command, std::max(deadline - absl::Now(), kMinCommandTimeout));
  if (!result.ok()) {
    return absl::Status(
        result.status().code(),
        absl::StrCat(config_.name, ": ", step, " command: ", result.status().message()));
  }
  if (result->exit().Succeeded()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      WithOutput(absl::StrCat(config_.name, ": ", step, " command ", result->exit().Describe()),
                 result->output));
}

absl::Status CommandBackend::AwaitState(ServiceState target, absl::Time deadline,
                                        absl::Duration timeout) {
  absl::Duration pause = kFirstPause;
  for (;;) {
    const ServiceStatus status = Query(deadline);
    if (status.state == target) return absl::OkStatus();
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(config_.name, " not ", ServiceStateName(target), " within ",
                       absl::FormatDuration(timeout), " (it is ", ServiceStateName(status.state),
                       status.detail.empty() ? "" : ": ", status.detail, ")"));
    }
    absl::SleepFor(std::min(pause, deadline - now));
    pause = std::min(pause * 2, kMaxPause);
  }
}

}  // namespace osfleet::agent
