#include "common/platform/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "common/platform/files.h"
#include "common/platform/posix/errno_error.h"
#include "common/platform/unique_fd.h"

extern char** environ;

namespace osfleet::platform {
namespace {

using posix::ErrnoError;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMaxPoll(20);  // how late a command's exit may be noticed

// What the forked child failed to do before execve, sent back on a close-on-exec pipe.
enum ChildStep : int { kOpenDevNull = 1, kChdir = 2, kExec = 3 };

struct ExecPlan {
  ExecPlan() = default;
  ExecPlan(const ExecPlan&) = delete;
  ExecPlan& operator=(const ExecPlan&) = delete;
  // The arguments may hold a credential filled into a placeholder (the Configuration
  // Tool's switches): overwritten before the memory is freed.
  ~ExecPlan() {
    for (std::string& s : argv_strings) {
      volatile char* bytes = s.data();
      for (std::size_t i = 0; i < s.size(); ++i) bytes[i] = 0;
    }
  }
  std::vector<std::string> argv_strings;
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* working_dir = nullptr;
};

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Built before fork: the child may only make async-signal-safe calls.
void BuildPlan(const CommandSpec& spec, ExecPlan& plan) {
  plan.argv_strings = spec.argv;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (spec.env.count(std::string(entry.substr(0, entry.find('=')))) == 0) {
      plan.env_strings.emplace_back(entry);
    }
  }
  for (const auto& [key, value] : spec.env) plan.env_strings.push_back(key + "=" + value);
  plan.argv = CStrings(plan.argv_strings);
  plan.envp = CStrings(plan.env_strings);
  plan.working_dir = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str();
}

[[noreturn]] void ChildFailed(int error_fd, ChildStep step) {
  const int message[2] = {step, errno};
  ssize_t ignored = write(error_fd, message, sizeof(message));
  (void)ignored;
  _exit(127);
}

[[noreturn]] void ExecChild(const ExecPlan& plan, int output_fd, int error_fd) {
  setpgid(0, 0);
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaction(sig, &action, nullptr);
  }
  action.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0) ChildFailed(error_fd, kOpenDevNull);
  dup2(null_fd, STDIN_FILENO);
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  if (plan.working_dir != nullptr && chdir(plan.working_dir) != 0) ChildFailed(error_fd, kChdir);
  execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  ChildFailed(error_fd, kExec);
}

Error ChildStepError(const int message[2], const CommandSpec& spec) {
  const char* step = message[0] == kOpenDevNull ? "opening /dev/null"
                     : message[0] == kChdir     ? "changing to the folder "
                                                : "running ";
  const std::string what = message[0] == kChdir  ? spec.working_dir
                           : message[0] == kExec ? spec.argv[0]
                                                 : "";
  return posix::PlatformError(Errc::kCannotStart, "cannot start " + spec.argv[0] + ": " + step +
                                                      what + ": " + std::strerror(message[1]));
}

void ReapBlocking(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Reads the child's report: nothing (the pipe closed on a successful execve) or a failure.
Result<void> ReadChildReport(int error_fd, const CommandSpec& spec) {
  int message[2] = {0, 0};
  ssize_t n;
  do {
    n = read(error_fd, message, sizeof(message));
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof(message))) return ChildStepError(message, spec);
  return {};
}

struct Spawned {
  pid_t pid = 0;
  UniqueFd output;
};

// fork + execve in a new process group (pgid = pid).
Result<Spawned> SpawnRaw(const CommandSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return posix::PlatformError(Errc::kInvalidArgument, "no command to run");
  }
  ExecPlan plan;
  BuildPlan(spec, plan);
  int output[2];
  int report[2];
  if (pipe2(output, O_CLOEXEC) != 0) return ErrnoError(errno, "creating a pipe");
  UniqueFd output_read(output[0]), output_write(output[1]);
  if (pipe2(report, O_CLOEXEC) != 0) return ErrnoError(errno, "creating a pipe");
  UniqueFd report_read(report[0]), report_write(report[1]);
  const pid_t pid = fork();
  if (pid == 0) ExecChild(plan, output[1], report[1]);
  const int fork_error = errno;
  output_write.Reset();
  report_write.Reset();
  if (pid < 0) return ErrnoError(fork_error, "starting " + spec.argv[0]);
  setpgid(pid, pid);  // the child does it too; whichever runs first wins the race to kill()
  if (Result<void> report_status = ReadChildReport(report_read.get(), spec); !report_status.ok()) {
    output_read.Reset();
    ReapBlocking(pid);
    return report_status.error();
  }
  return Spawned{pid, std::move(output_read)};
}

void SignalGroup(ProcessId pid, bool whole_group, StopMode mode) {
  const pid_t target = static_cast<pid_t>(whole_group ? -pid : pid);
  kill(target, mode == StopMode::kAsk ? SIGTERM : SIGKILL);
}

// Reads what is there; false once the pipe is closed (every writer has exited).
bool Drain(int fd, OutputTail& tail, const CommandWatch& watch) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      const std::string_view bytes(buffer, static_cast<std::size_t>(n));
      if (watch.output) watch.output(bytes);
      tail.Append(bytes);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot) and field 3 (state).
std::optional<std::uint64_t> StartTicks(const std::string& stat) {
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  // After "pid (comm)": field 3 (state) is token 0, field 22 is token 19.
  std::vector<std::string_view> fields;
  const std::string_view rest = std::string_view(stat).substr(paren + 1);
  for (std::size_t pos = 0; pos < rest.size();) {
    const std::size_t end = std::min(rest.find(' ', pos), rest.size());
    if (end > pos) fields.push_back(rest.substr(pos, end - pos));
    pos = end + 1;
  }
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") return std::nullopt;
  std::uint64_t ticks = 0;
  const std::string_view text = fields[19];
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ticks);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return ticks;
}

}  // namespace

bool ExitStatus::Exited() const { return WIFEXITED(raw); }

int ExitStatus::Code() const { return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1; }

std::string ExitStatus::Describe() const {
  if (WIFEXITED(raw)) return "exited with status " + std::to_string(WEXITSTATUS(raw));
  if (WIFSIGNALED(raw)) {
    const int sig = WTERMSIG(raw);
    const char* abbrev = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) +
           (abbrev == nullptr ? "" : std::string(" (SIG") + abbrev + ")");
  }
  return "ended with wait status " + std::to_string(raw);
}

Result<ChildProcess> ChildProcess::Spawn(const CommandSpec& spec) {
  Result<Spawned> spawned = SpawnRaw(spec);
  if (!spawned.ok()) return spawned.error();
  ChildProcess child;
  child.pid_ = spawned->pid;
  child.output_ = spawned->output.Release();
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)),
      output_(std::exchange(other.output_, kNone)),
      process_(std::exchange(other.process_, kNone)),
      job_(std::exchange(other.job_, kNone)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Close();
    pid_ = std::exchange(other.pid_, 0);
    output_ = std::exchange(other.output_, kNone);
    process_ = std::exchange(other.process_, kNone);  // unused on POSIX
    job_ = std::exchange(other.job_, kNone);
  }
  return *this;
}

ChildProcess::~ChildProcess() { Close(); }

void ChildProcess::Close() {
  if (output_ != kNone) close(static_cast<int>(output_));
  output_ = kNone;
}

std::string ChildProcess::ReadOutput() {
  char buffer[4096];
  while (output_ != kNone) {
    const ssize_t n = read(static_cast<int>(output_), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) return std::string(buffer, static_cast<std::size_t>(n));
    Close();
  }
  return "";
}

ExitStatus ChildProcess::Wait() {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(static_cast<pid_t>(pid_), &status, 0);
  } while (r < 0 && errno == EINTR);
  return ExitStatus{r == pid_ ? status : 0};
}

void ChildProcess::Stop(StopMode mode) const { SignalGroup(pid_, true, mode); }

Result<CommandOutcome> RunCommand(const CommandSpec& spec, std::chrono::nanoseconds timeout,
                                  const CommandWatch& watch) {
  Result<Spawned> child = SpawnRaw(spec);
  if (!child.ok()) return child.error();
  if (watch.started) watch.started(child->pid);
  const Clock::time_point deadline = Clock::now() + timeout;
  UniqueFd fd = std::move(child->output);
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  CommandOutcome outcome;
  OutputTail tail;
  for (;;) {
    // After the output closes, fd is -1: poll ignores it and only sleeps.
    pollfd watch_fd = {fd.get(), POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    poll(&watch_fd, 1,
         static_cast<int>(std::clamp(left, std::chrono::milliseconds(0), kMaxPoll).count()));
    if (fd.valid() && !Drain(fd.get(), tail, watch)) fd.Reset();
    int status = 0;
    if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
      if (fd.valid()) Drain(fd.get(), tail, watch);  // what it wrote just before exiting
      outcome.exit = ExitStatus{status};
      break;
    }
    const bool stop = watch.stop && watch.stop();
    if (!stop && Clock::now() < deadline) continue;
    kill(-child->pid, SIGKILL);
    ReapBlocking(child->pid);
    (stop ? outcome.stopped : outcome.timed_out) = true;
    break;
  }
  outcome.output = tail.Text();
  return outcome;
}

std::optional<std::uint64_t> ProcessStartStamp(ProcessId pid) {
  Result<std::string> stat = ReadFileCapped("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!stat.ok()) return std::nullopt;
  return StartTicks(*stat);
}

bool LeadsProcessGroup(ProcessId pid) {
  return getpgid(static_cast<pid_t>(pid)) == static_cast<pid_t>(pid);
}

void StopProcess(ProcessId pid, bool whole_group, StopMode mode) {
  SignalGroup(pid, whole_group, mode);
}

}  // namespace osfleet::platform
