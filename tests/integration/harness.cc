#include "tests/integration/harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace osfleet::testing {
namespace {

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

[[noreturn]] void ExecOrDie(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

// Reads both pipes until both close, without letting either fill up.
void Drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&out, &err};
  int open_count = 2;
  char buf[8192];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

}  // namespace

// OSFLEET_TEST_BIN_DIR runs the tests against other binaries (another build, or the
// code before a fix, to see a new test fail).
std::string BinDir() {
  const char* other = std::getenv("OSFLEET_TEST_BIN_DIR");
  return other != nullptr && *other != '\0' ? other : OSFLEET_BIN_DIR;
}

std::string FixturePath(const std::string& name) {
  return absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/", name);
}

ProcessResult RunProgram(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env) {
  int out_pipe[2], err_pipe[2];
  ProcessResult result;
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    ExecOrDie(argv);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  Drain(out_pipe[0], err_pipe[0], result.out, result.err);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCodeOf(status);
  return result;
}

ProcessResult RunOsctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinDir() + "/osctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, {{"NO_COLOR", "1"}});
}

MeasuredRun RunOsctlMeasured(const std::vector<std::string>& args, const std::string& out_path) {
  MeasuredRun run;
  std::vector<std::string> argv = {BinDir() + "/osctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    setenv("NO_COLOR", "1", 1);
    ExecOrDie(argv);
  }
  int status = 0;
  rusage usage{};
  if (pid > 0 && wait4(pid, &status, 0, &usage) == pid) {
    run.exit_code = ExitCodeOf(status);
    run.max_rss_kib = usage.ru_maxrss;  // kilobytes on Linux
  }
  run.output = ReadFile(out_path);
  return run;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::map<std::string, std::string>& env) {
  pid_ = fork();
  if (pid_ == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    ExecOrDie(argv);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

int ChildProcess::Stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

int ChildProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

Agent::Agent(const std::string& dir, AgentOptions options)
    : dir_(dir), options_(std::move(options)) {
  mkdir(dir_.c_str(), 0755);
  hsconf_ = options_.hsconf.empty() ? dir_ + "/server.hsconf" : options_.hsconf;
  port_file_ = dir_ + "/port";
  log_ = dir_ + "/osagent.log";
  if (!options_.fixture.empty()) CopyFile(FixturePath(options_.fixture), hsconf_);
  unlink(port_file_.c_str());  // a restarted agent must not be found at its old port
  std::vector<std::string> argv = {BinDir() + "/osagent",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   port_file_,
                                   "--hsconf",
                                   hsconf_,
                                   "--state-dir",
                                   dir_ + "/state",
                                   "--role",
                                   options_.role,
                                   "--name",
                                   options_.name,
                                   "--log-level",
                                   "debug"};
  if (options_.insecure) argv.push_back("--insecure");
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, log_);
}

bool Agent::WaitReady(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int port = 0;
    if (absl::SimpleAtoi(ReadFile(port_file_), &port) && port > 0) {
      port_ = port;
      return true;
    }
    int status = 0;
    if (waitpid(process_->pid(), &status, WNOHANG) == process_->pid()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a condition
  }
  return false;
}

std::string WriteInventory(const std::string& path, const std::vector<InventoryEntry>& servers,
                           const std::string& defaults_yaml) {
  std::string yaml = defaults_yaml.empty() ? "" : defaults_yaml + "\n";
  yaml += "servers:\n";
  for (const InventoryEntry& s : servers) {
    absl::StrAppend(&yaml, "  - name: ", s.name, "\n    address: \"", s.address,
                    "\"\n    role: ", s.role, "\n");
    if (!s.labels.empty()) {
      yaml += "    labels:\n";
      for (const auto& [k, v] : s.labels) absl::StrAppend(&yaml, "      ", k, ": ", v, "\n");
    }
  }
  WriteFile(path, yaml);
  return path;
}

bool WaitFor(const std::function<bool()>& ready, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!ready()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a condition
  }
  return true;
}

FakeDatabase::FakeDatabase(const std::string& dir, const std::string& version,
                           const std::string& instance, const std::vector<std::string>& extra) {
  mkdir(dir.c_str(), 0755);
  port_file_ = dir + "/port";
  std::vector<std::string> argv = {BinDir() + "/osfleet-fake-sqlserver", "--listen-port-file",
                                   port_file_, "--version", version};
  if (!instance.empty()) {
    browser_port_file_ = dir + "/browser-port";
    argv.insert(argv.end(), {"--browser-port-file", browser_port_file_, "--instance", instance});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<ChildProcess>(argv, dir + "/fake.log");
}

bool FakeDatabase::WaitReady() {
  return WaitFor(
      [this] {
        const bool tcp = absl::SimpleAtoi(ReadFile(port_file_), &port_) && port_ > 0;
        const bool udp =
            browser_port_file_.empty() ||
            (absl::SimpleAtoi(ReadFile(browser_port_file_), &browser_port_) && browser_port_ > 0);
        return tcp && udp;
      },
      absl::Seconds(20));
}

int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace osfleet::testing
