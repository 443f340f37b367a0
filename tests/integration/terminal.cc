#include "tests/integration/terminal.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "absl/time/clock.h"

namespace osfleet::testing {
namespace {

[[noreturn]] void Exec(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult RunOnTerminal(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& env,
                            const std::string& prompt, const std::string& answer,
                            absl::Duration timeout) {
  return RunOnTerminalSteps(argv, env, {{prompt, answer}}, timeout);
}

ProcessResult RunOnTerminalSteps(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 const std::vector<TerminalStep>& steps, absl::Duration timeout) {
  ProcessResult result;
  int terminal = -1;
  const pid_t pid = forkpty(&terminal, nullptr, nullptr, nullptr);
  if (pid < 0) return result;
  if (pid == 0) Exec(argv, env);
  const absl::Time give_up = absl::Now() + timeout;
  size_t step = 0;
  size_t seen = 0;  // where the next step's text is looked for
  char buf[4096];
  for (;;) {
    const int left_ms = static_cast<int>(absl::ToInt64Milliseconds(give_up - absl::Now()));
    pollfd fd = {terminal, POLLIN, 0};
    const int ready = poll(&fd, 1, std::max(left_ms, 0));
    if (ready == 0) {
      kill(pid, SIGKILL);
      break;
    }
    if (ready < 0 && errno == EINTR) continue;
    const ssize_t n = read(terminal, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EIO: every process closed the terminal
    result.out.append(buf, static_cast<size_t>(n));
    while (step < steps.size()) {
      const size_t at = result.out.find(steps[step].wait_for, seen);
      if (at == std::string::npos) break;
      const std::string& type = steps[step].type;
      if (write(terminal, type.data(), type.size()) != static_cast<ssize_t>(type.size())) break;
      seen = at + steps[step].wait_for.size();
      ++step;
    }
  }
  close(terminal);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCodeOf(status);
  return result;
}

}  // namespace osfleet::testing
