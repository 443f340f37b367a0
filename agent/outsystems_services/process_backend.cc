#include "agent/outsystems_services/process_backend.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/api/logging.h"
#include "common/io/atomic_file.h"
#include "common/io/os_status.h"
#include "common/platform/files.h"
#include "common/platform/sockets.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

using platform::StopMode;

constexpr absl::Duration kDefaultStaysUp = absl::Milliseconds(500);
constexpr absl::Duration kPortPollInterval = absl::Milliseconds(50);
constexpr absl::Duration kAdoptedPollInterval = absl::Milliseconds(20);
constexpr absl::Duration kKillWait = absl::Seconds(10);  // for the exit after SIGKILL
constexpr absl::Duration kOutputDrainWait = absl::Milliseconds(500);

// An adopted process is not our child: poll until it is gone (or a zombie) or the deadline.
bool PollUntilGone(platform::ProcessId pid, uint64_t start_ticks, absl::Time deadline) {
  for (;;) {
    if (!platform::ProcessIsAlive(pid, start_ticks)) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(kAdoptedPollInterval);
  }
}

std::string SanitisedName(absl::string_view name) {
  std::string out;
  for (char c : name) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    out.push_back(plain ? c : '_');
  }
  return out;
}

absl::Status MakeDir(const std::string& path) { return ToStatus(platform::MakeDir(path, 0700)); }

std::string WithOutput(absl::string_view message, const std::string& output) {
  if (output.empty()) return absl::StrCat(message, " (no output)");
  return absl::StrCat(message, ": ", output);
}

}  // namespace

struct ProcessBackend::Child {
  platform::ChildProcess process;
  platform::ProcessId pid = 0;
  absl::Time started_at;
  absl::Mutex mu;
  bool exited ABSL_GUARDED_BY(mu) = false;
  int wait_status ABSL_GUARDED_BY(mu) = 0;
  bool output_closed ABSL_GUARDED_BY(mu) = false;
  bool stop_requested ABSL_GUARDED_BY(mu) = false;
  OutputTail tail ABSL_GUARDED_BY(mu);

  bool Exited() {
    absl::MutexLock lock(&mu);
    return exited;
  }
  // True once exited; waits until then or the deadline.
  bool AwaitExit(absl::Time deadline) {
    absl::MutexLock lock(&mu);
    return mu.AwaitWithDeadline(absl::Condition(&exited), deadline);
  }
  // "exited with status 3<when>: <last lines>", waiting a little for the output to end.
  std::string ExitDetail(absl::string_view when = "") {
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(absl::Condition(&output_closed), kOutputDrainWait);
    return WithOutput(absl::StrCat(DescribeWaitStatus(wait_status), when), ValidUtf8(tail.Text()));
  }
  // Valid UTF-8: the child may write in its code page, the tail may cut a character.
  std::string Output() {
    absl::MutexLock lock(&mu);
    return ValidUtf8(tail.Text());
  }
};

// Runs detached: the child may outlive the backend (see the destructor).
void ProcessBackend::ReadOutput(std::shared_ptr<Child> child) {
  for (;;) {
    const std::string bytes = child->process.ReadOutput();
    if (bytes.empty()) break;
    absl::MutexLock lock(&child->mu);
    child->tail.Append(bytes);
  }
  absl::MutexLock lock(&child->mu);
  child->output_closed = true;
}

// Runs detached; waits for this pid only (the agent has other children).
void ProcessBackend::Reap(std::shared_ptr<Child> child, std::string name) {
  const platform::ExitStatus status = child->process.Wait();
  absl::MutexLock lock(&child->mu);
  child->exited = true;
  child->wait_status = status.raw;
  if (!child->stop_requested) {
    spdlog::warn("{} (pid {}) {}", name, child->pid, DescribeWaitStatus(child->wait_status));
  }
}

ProcessBackend::ProcessBackend(ServiceConfig config, std::string pid_file)
    : config_(std::move(config)), pid_file_(std::move(pid_file)) {}

absl::StatusOr<std::unique_ptr<ProcessBackend>> ProcessBackend::Create(
    const ServiceConfig& config, const std::string& state_dir) {
  if (config.command.empty() || config.command[0].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("service \"", config.name, "\": the process backend needs a command"));
  }
  const std::string dir = absl::StrCat(state_dir, "/services");
  if (absl::Status s = MakeDir(state_dir); !s.ok()) return s;
  if (absl::Status s = MakeDir(dir); !s.ok()) return s;
  std::unique_ptr<ProcessBackend> backend(
      new ProcessBackend(config, absl::StrCat(dir, "/", SanitisedName(config.name), ".pid")));
  backend->Adopt();
  return backend;
}

// Pid file: "<pid> <start ticks> <started_at unix ms>\n".
void ProcessBackend::Adopt() {
  absl::StatusOr<std::string> text = ReadFileCapped(pid_file_, 256);
  if (!text.ok()) return;
  std::vector<absl::string_view> fields = absl::StrSplit(*text, absl::ByAnyChar(" \n"));
  Adopted adopted;
  int64_t started_ms = 0;
  if (fields.size() < 3 || !absl::SimpleAtoi(fields[0], &adopted.pid) ||
      !absl::SimpleAtoi(fields[1], &adopted.start_ticks) ||
      !absl::SimpleAtoi(fields[2], &started_ms) || adopted.pid <= 1 ||
      !platform::ProcessIsAlive(adopted.pid, adopted.start_ticks)) {
    (void)platform::RemoveFile(pid_file_);  // stale: the process is gone or the pid was reused
    return;
  }
  adopted.started_at = absl::FromUnixMillis(started_ms);
  spdlog::info("{}: adopted pid {} started by an earlier agent", config_.name, adopted.pid);
  absl::MutexLock lock(&mu_);
  adopted_ = adopted;
}

bool ProcessBackend::RunningNow() {
  absl::MutexLock lock(&mu_);
  if (adopted_ && platform::ProcessIsAlive(adopted_->pid, adopted_->start_ticks)) return true;
  adopted_.reset();
  return child_ != nullptr && !child_->Exited();
}

absl::StatusOr<std::shared_ptr<ProcessBackend::Child>> ProcessBackend::Launch() {
  platform::Result<platform::ChildProcess> spawned =
      platform::ChildProcess::Spawn({config_.command, config_.env, config_.working_dir});
  if (!spawned.ok()) return ToStatus(spawned.error());
  auto child = std::make_shared<Child>();
  child->process = *std::move(spawned);
  child->pid = child->process.pid();
  child->started_at = absl::Now();
  std::thread(ReadOutput, child).detach();
  std::thread(Reap, child, config_.name).detach();
  const std::string pid_line =
      absl::StrCat(child->pid, " ", platform::ProcessStartStamp(child->pid).value_or(0), " ",
                   absl::ToUnixMillis(child->started_at), "\n");
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  if (absl::Status s = WriteFileAtomically(pid_file_, pid_line, options); !s.ok()) {
    child->process.Stop(StopMode::kForce);
    child->AwaitExit(absl::Now() + kKillWait);
    return s;
  }
  spdlog::info("{}: started pid {}", config_.name, child->pid);
  absl::MutexLock lock(&mu_);
  child_ = child;
  return child;
}

absl::Status ProcessBackend::Start() {
  absl::MutexLock op(&op_mu_);
  if (RunningNow()) return absl::OkStatus();
  {
    absl::MutexLock lock(&mu_);
    transition_ = ServiceState::kStarting;
  }
  absl::StatusOr<std::shared_ptr<Child>> child = Launch();
  absl::Status status = child.ok() ? AwaitReady(**child) : child.status();
  SetOutcome(status);
  return status;
}

void ProcessBackend::SetOutcome(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  transition_ = ServiceState::kUnknown;
  failure_ = status.ok() ? "" : std::string(status.message());
}

// Ready once every configured check passes: the port accepts, the child stayed up long
// enough (500ms when nothing is configured).
absl::Status ProcessBackend::AwaitReady(Child& child) {
  const absl::Time deadline = child.started_at + config_.start_timeout;
  const int port = config_.ready.tcp_port;
  absl::Duration stays_up = config_.ready.stays_up;
  if (port <= 0 && stays_up <= absl::ZeroDuration()) stays_up = kDefaultStaysUp;
  const absl::Time up_long_enough = child.started_at + stays_up;
  for (;;) {
    if (child.Exited()) return ExitedDuringStart(child);
    const absl::Time now = absl::Now();
    if (now >= up_long_enough && (port <= 0 || platform::LoopbackPortAccepts(port))) {
      // Exited in the meantime? Then the port belongs to someone else.
      if (child.Exited()) return ExitedDuringStart(child);
      return absl::OkStatus();
    }
    if (now >= deadline) return KillNotReady(child);
    const absl::Time wake = std::max(up_long_enough, port > 0 ? now + kPortPollInterval : now);
    child.AwaitExit(std::min(wake, deadline));
  }
}

absl::Status ProcessBackend::ExitedDuringStart(Child& child) {
  (void)platform::RemoveFile(pid_file_);
  return absl::FailedPreconditionError(
      absl::StrCat(config_.name, " ", child.ExitDetail(" during start")));
}

absl::Status ProcessBackend::KillNotReady(Child& child) {
  {
    absl::MutexLock lock(&child.mu);
    child.stop_requested = true;
  }
  child.process.Stop(StopMode::kForce);
  child.AwaitExit(absl::Now() + kKillWait);
  (void)platform::RemoveFile(pid_file_);
  const std::string what =
      config_.ready.tcp_port > 0
          ? absl::StrCat("127.0.0.1:", config_.ready.tcp_port, " did not accept a connection")
          : absl::StrCat("it must stay up ", absl::FormatDuration(config_.ready.stays_up));
  return absl::DeadlineExceededError(WithOutput(
      absl::StrCat(config_.name, " was not ready within ",
                   absl::FormatDuration(config_.start_timeout), " (", what, "); killed it"),
      child.Output()));
}

absl::Status ProcessBackend::Stop() {
  absl::MutexLock op(&op_mu_);
  std::shared_ptr<Child> child;
  std::optional<Adopted> adopted;
  {
    absl::MutexLock lock(&mu_);
    child = child_;
    adopted = adopted_;
    transition_ = ServiceState::kStopping;
  }
  absl::Status status = adopted ? StopAdopted(*adopted)
                        : child ? StopChild(*child)
                                : absl::OkStatus();
  if (status.ok()) (void)platform::RemoveFile(pid_file_);
  absl::MutexLock lock(&mu_);
  transition_ = ServiceState::kUnknown;
  if (status.ok()) {
    adopted_.reset();
    failure_.clear();
  }
  return status;
}

absl::Status ProcessBackend::StopChild(Child& child) {
  {
    absl::MutexLock lock(&child.mu);
    child.stop_requested = true;
    if (child.exited) return absl::OkStatus();
  }
  child.process.Stop(StopMode::kAsk);
  if (!child.AwaitExit(absl::Now() + config_.stop_timeout)) {
    spdlog::warn("{} (pid {}) still running {} after SIGTERM: sending SIGKILL", config_.name,
                 child.pid, absl::FormatDuration(config_.stop_timeout));
    child.process.Stop(StopMode::kForce);
    if (!child.AwaitExit(absl::Now() + kKillWait)) {
      return absl::InternalError(
          absl::StrCat(config_.name, " (pid ", child.pid, ") did not exit after SIGKILL"));
    }
  }
  child.process.Stop(StopMode::kForce);  // whatever is left of its group
  spdlog::info("{}: stopped pid {}", config_.name, child.pid);
  return absl::OkStatus();
}

absl::Status ProcessBackend::StopAdopted(const Adopted& adopted) {
  if (!platform::ProcessIsAlive(adopted.pid, adopted.start_ticks)) return absl::OkStatus();
  const bool group = platform::LeadsProcessGroup(adopted.pid);
  platform::StopProcess(adopted.pid, group, StopMode::kAsk);
  if (!PollUntilGone(adopted.pid, adopted.start_ticks, absl::Now() + config_.stop_timeout)) {
    spdlog::warn("{} (adopted pid {}) still running {} after SIGTERM: sending SIGKILL",
                 config_.name, adopted.pid, absl::FormatDuration(config_.stop_timeout));
    platform::StopProcess(adopted.pid, group, StopMode::kForce);
    if (!PollUntilGone(adopted.pid, adopted.start_ticks, absl::Now() + kKillWait)) {
      return absl::InternalError(
          absl::StrCat(config_.name, " (pid ", adopted.pid, ") did not exit after SIGKILL"));
    }
  }
  if (group) platform::StopProcess(adopted.pid, true, StopMode::kForce);  // what is left of it
  spdlog::info("{}: stopped adopted pid {}", config_.name, adopted.pid);
  return absl::OkStatus();
}

absl::Status ProcessBackend::CheckKnown() {
  const std::string& program = config_.command[0];  // Create refuses an empty command
  const platform::Result<void> runnable =
      platform::CheckAccess(program, platform::Access::kExecute);
  if (runnable.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "its program ", program, " cannot be run: ", ValidUtf8(runnable.error().Reason())));
}

ServiceStatus ProcessBackend::Status() {
  ServiceStatus status;
  status.name = config_.name;
  std::shared_ptr<Child> child;
  std::optional<Adopted> adopted;
  ServiceState transition;
  std::string failure;
  {
    absl::MutexLock lock(&mu_);
    child = child_;
    adopted = adopted_;
    transition = transition_;
    failure = failure_;
  }
  if (adopted) {
    FillAdoptedStatus(*adopted, status);
  } else if (child != nullptr) {
    FillChildStatus(*child, status);
  } else {
    status.state = ServiceState::kStopped;
  }
  if (status.state == ServiceState::kRunning && transition != ServiceState::kUnknown) {
    status.state = transition;
  }
  if (status.state == ServiceState::kStopped && !failure.empty()) {
    status.state = ServiceState::kFailed;
    status.detail = failure;
  }
  return status;
}

void ProcessBackend::FillAdoptedStatus(const Adopted& adopted, ServiceStatus& status) {
  status.pid = adopted.pid;
  status.started_at = adopted.started_at;
  if (platform::ProcessIsAlive(adopted.pid, adopted.start_ticks)) {
    status.state = ServiceState::kRunning;
    return;
  }
  status.state = ServiceState::kFailed;
  status.detail = absl::StrCat(
      "pid ", adopted.pid, " (started by an earlier agent) is gone; its exit status is unknown");
}

void ProcessBackend::FillChildStatus(Child& child, ServiceStatus& status) {
  bool exited, stop_requested;
  {
    absl::MutexLock lock(&child.mu);
    exited = child.exited;
    stop_requested = child.stop_requested;
  }
  if (!exited) {
    status.state = ServiceState::kRunning;
    status.pid = child.pid;
    status.started_at = child.started_at;
  } else if (stop_requested) {
    status.state = ServiceState::kStopped;
  } else {
    status.state = ServiceState::kFailed;
    status.detail = child.ExitDetail();
  }
}

}  // namespace osfleet::agent
