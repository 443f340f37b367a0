#include "agent/os_services/command_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/os_services/process_backend.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kStatusTimeout = absl::Seconds(10);
constexpr absl::Duration kMinCommandTimeout = absl::Milliseconds(100);
constexpr absl::Duration kFirstPause = absl::Milliseconds(50);
constexpr absl::Duration kMaxPause = absl::Milliseconds(500);
constexpr int64_t kMaxPollMillis = 20;  // how late the command's exit may be noticed
constexpr int kStatusRunning = 0;
constexpr int kStatusStopped = 3;  // LSB: "program is not running"

std::string WithOutput(absl::string_view message, const std::string& output) {
  if (output.empty()) return absl::StrCat(message, " (no output)");
  return absl::StrCat(message, ": ", output);
}

// Reads what is there; false once the pipe is closed (every writer has exited).
bool Drain(int fd, OutputTail& tail) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      tail.Append(absl::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

void CloseIfOpen(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

absl::StatusOr<CommandResult> RunShellCommand(const std::string& command, absl::Duration timeout) {
  absl::StatusOr<SpawnedChild> child = SpawnChild({"/bin/sh", "-c", command}, {}, "");
  if (!child.ok()) return child.status();
  const absl::Time deadline = absl::Now() + timeout;
  int fd = child->output_fd;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  OutputTail tail;
  for (;;) {
    // After the output closes, fd is -1: poll ignores it and only sleeps.
    pollfd watch = {fd, POLLIN, 0};
    poll(&watch, 1,
         static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()), 0,
                                              kMaxPollMillis)));
    if (fd >= 0 && !Drain(fd, tail)) CloseIfOpen(fd);
    int status = 0;
    if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
      if (fd >= 0) Drain(fd, tail);  // what it wrote just before exiting
      CloseIfOpen(fd);
      return CommandResult{status, tail.Text()};
    }
    if (absl::Now() < deadline) continue;
    kill(-child->pid, SIGKILL);
    while (waitpid(child->pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    CloseIfOpen(fd);
    return absl::DeadlineExceededError(
        WithOutput(absl::StrCat("`", command, "` did not finish within ",
                                absl::FormatDuration(timeout), "; killed it"),
                   tail.Text()));
  }
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
  const int code = WIFEXITED(result->wait_status) ? WEXITSTATUS(result->wait_status) : -1;
  if (code == kStatusRunning) {
    status.state = ServiceState::kRunning;
  } else if (code == kStatusStopped) {
    status.state = ServiceState::kStopped;
  } else {
    status.state = ServiceState::kFailed;
    status.detail = WithOutput(
        absl::StrCat("status command ", DescribeWaitStatus(result->wait_status)), result->output);
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
  if (WIFEXITED(result->wait_status) && WEXITSTATUS(result->wait_status) == 0) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(WithOutput(
      absl::StrCat(config_.name, ": ", step, " command ", DescribeWaitStatus(result->wait_status)),
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
