#include "agent/os_services/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace osfleet::agent {
namespace {

constexpr size_t kMaxLines = 20;
constexpr size_t kMaxLineBytes = 512;

// What the forked child failed to do before execve, sent back on a close-on-exec pipe.
enum ChildStep : int { kOpenDevNull = 1, kChdir = 2, kExec = 3 };

struct ExecPlan {
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
void BuildPlan(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& working_dir, ExecPlan& plan) {
  plan.argv_strings = argv;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const absl::string_view entry(*e);
    if (env.count(std::string(entry.substr(0, entry.find('=')))) == 0) {
      plan.env_strings.emplace_back(entry);
    }
  }
  for (const auto& [key, value] : env) plan.env_strings.push_back(absl::StrCat(key, "=", value));
  plan.argv = CStrings(plan.argv_strings);
  plan.envp = CStrings(plan.env_strings);
  plan.working_dir = working_dir.empty() ? nullptr : working_dir.c_str();
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

absl::Status ChildStepError(const int message[2], const std::vector<std::string>& argv,
                            const std::string& working_dir) {
  const char* step = message[0] == kOpenDevNull ? "opening /dev/null"
                     : message[0] == kChdir     ? "changing to the folder "
                                                : "running ";
  const std::string what = message[0] == kChdir ? working_dir : message[0] == kExec ? argv[0] : "";
  return absl::FailedPreconditionError(
      absl::StrCat("cannot start ", argv[0], ": ", step, what, ": ", std::strerror(message[1])));
}

// Reads the child's report: nothing (the pipe closed on a successful execve) or a failure.
absl::Status ReadChildReport(int error_fd, const std::vector<std::string>& argv,
                             const std::string& working_dir) {
  int message[2] = {0, 0};
  ssize_t n;
  do {
    n = read(error_fd, message, sizeof(message));
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof(message))) return ChildStepError(message, argv, working_dir);
  return absl::OkStatus();
}

}  // namespace

void ReapBlocking(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void OutputTail::Append(absl::string_view bytes) {
  for (char c : bytes) {
    if (c == '\r') continue;
    if (c != '\n') {
      if (partial_.size() < kMaxLineBytes) partial_.push_back(c);
      continue;
    }
    lines_.push_back(std::move(partial_));
    partial_.clear();
    if (lines_.size() > kMaxLines) lines_.pop_front();
  }
}

std::string OutputTail::Text() const {
  std::vector<absl::string_view> lines(lines_.begin(), lines_.end());
  if (!partial_.empty()) lines.push_back(partial_);
  if (lines.size() > kMaxLines) lines.erase(lines.begin());
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<SpawnedChild> SpawnChild(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env,
                                        const std::string& working_dir) {
  if (argv.empty() || argv[0].empty()) return absl::InvalidArgumentError("no command to run");
  ExecPlan plan;
  BuildPlan(argv, env, working_dir, plan);
  int output[2];
  int report[2];
  if (pipe2(output, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "creating a pipe");
  if (pipe2(report, O_CLOEXEC) != 0) {
    const int error = errno;
    close(output[0]);
    close(output[1]);
    return absl::ErrnoToStatus(error, "creating a pipe");
  }
  const pid_t pid = fork();
  if (pid == 0) ExecChild(plan, output[1], report[1]);
  const int fork_error = errno;
  close(output[1]);
  close(report[1]);
  if (pid < 0) {
    close(output[0]);
    close(report[0]);
    return absl::ErrnoToStatus(fork_error, absl::StrCat("starting ", argv[0]));
  }
  setpgid(pid, pid);  // the child does it too; whichever runs first wins the race to kill()
  absl::Status report_status = ReadChildReport(report[0], argv, working_dir);
  close(report[0]);
  if (!report_status.ok()) {
    close(output[0]);
    ReapBlocking(pid);
    return report_status;
  }
  return SpawnedChild{pid, output[0]};
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* abbrev = sigabbrev_np(sig);
    return absl::StrCat("was killed by signal ", sig,
                        abbrev == nullptr ? "" : absl::StrCat(" (SIG", abbrev, ")"));
  }
  return absl::StrCat("ended with wait status ", wait_status);
}

}  // namespace osfleet::agent
