#include "agent/service_center/command_driver.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "agent/os_services/process_backend.h"
#include "common/logging.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxLineBytes = 4096;  // a longer line is cut into several messages
constexpr int64_t kMaxPollMillis = 20;  // how late the command's exit may be noticed

// One run of the command: splits its output into lines and reports each one.
class CommandRun {
 public:
  CommandRun(const PhaseOptions& options, const PhaseEventSink& sink) : sink_(sink) {
    result_.dry_run = options.dry_run;
  }

  void Append(absl::string_view bytes) {
    for (char c : bytes) {
      if (c == '\r') continue;
      if (c != '\n') partial_.push_back(c);
      if (c == '\n' || partial_.size() >= kMaxLineBytes) Line();
    }
    tail_.Append(bytes);
  }
  void Flush() {
    if (!partial_.empty()) Line();
  }
  // Reads what is there; false once the pipe is closed (every writer has exited).
  bool Drain(int fd) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        Append(absl::string_view(buffer, static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
  const PhaseResult& result() const { return result_; }
  std::string Output() const { return tail_.Text(); }

 private:
  void Line() {
    PhaseEvent event;
    event.kind = PhaseEvent::Kind::kMessage;
    event.message = ClassifyCommandLine(partial_, ++lines_);
    partial_.clear();
    const PublishMessageType type = event.message.type;
    ++(type == PublishMessageType::kError     ? result_.errors
       : type == PublishMessageType::kWarning ? result_.warnings
                                              : result_.infos);
    if (sink_) sink_(event);
  }

  const PhaseEventSink& sink_;
  PhaseResult result_;
  OutputTail tail_;
  std::string partial_;
  int64_t lines_ = 0;
};

std::string WithOutput(absl::string_view message, const std::string& output) {
  if (output.empty()) return absl::StrCat(message, " (no output)");
  return absl::StrCat(message, "; last lines:\n", output);
}

void CloseIfOpen(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

PublishMessage ClassifyCommandLine(absl::string_view line, int64_t line_number) {
  PublishMessage message;
  message.id = line_number;
  message.type = PublishMessageType::kInfo;
  message.type_text = "Info";
  if (absl::ConsumePrefix(&line, "WARNING:")) {
    message.type = PublishMessageType::kWarning;
    message.type_text = "Warning";
  } else if (absl::ConsumePrefix(&line, "ERROR:")) {
    message.type = PublishMessageType::kError;
    message.type_text = "Error";
  }
  message.message = std::string(absl::StripAsciiWhitespace(line));
  return message;
}

std::map<std::string, std::string> CommandPhaseDriver::Environment(
    const PhaseOptions& options) const {
  std::map<std::string, std::string> env = config_.env;
  env["OSFLEET_SC_DRY_RUN"] = options.dry_run ? "1" : "0";
  env["OSFLEET_SC_STOP_ON_WARNING"] = options.stop_on_warning ? "1" : "0";
  env["OSFLEET_SC_MODULES"] = absl::StrJoin(options.modules, ",");
  return env;
}

absl::StatusOr<PhaseResult> CommandPhaseDriver::Run(const PhaseOptions& options,
                                                    const PhaseEventSink& sink) {
  absl::StatusOr<SpawnedChild> child = SpawnChild(config_.command, Environment(options), "");
  if (!child.ok()) return absl::FailedPreconditionError(child.status().message());
  spdlog::info("Service Center: running {} (pid {})", config_.command[0], child->pid);
  const absl::Time deadline = absl::Now() + options.deadline;
  int fd = child->output_fd;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  CommandRun run(options, sink);
  for (;;) {
    // After the output closes, fd is -1: poll ignores it and only sleeps.
    pollfd watch = {fd, POLLIN, 0};
    poll(&watch, 1,
         static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()), 0,
                                              kMaxPollMillis)));
    if (fd >= 0 && !run.Drain(fd)) CloseIfOpen(fd);
    int status = 0;
    if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
      if (fd >= 0) run.Drain(fd);  // what it wrote just before exiting
      CloseIfOpen(fd);
      run.Flush();
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return run.result();
      return absl::FailedPreconditionError(WithOutput(
          absl::StrCat(config_.command[0], " ", DescribeWaitStatus(status)), run.Output()));
    }
    if (absl::Now() < deadline) continue;
    kill(-child->pid, SIGKILL);
    while (waitpid(child->pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    CloseIfOpen(fd);
    run.Flush();
    return absl::DeadlineExceededError(
        WithOutput(absl::StrCat(config_.command[0], " did not finish within ",
                                absl::FormatDuration(options.deadline), "; killed it"),
                   run.Output()));
  }
}

}  // namespace osfleet::agent
