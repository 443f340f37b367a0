// Starting a child process the way the agent runs OutSystems services and commands: its
// own process group, output captured, and its exit described in words.
#pragma once

#include <sys/types.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet::agent {

// The last lines of a child's output (20 lines of at most 512 bytes each).
class OutputTail {
 public:
  void Append(absl::string_view bytes);
  // Oldest first, joined with '\n'; an unfinished last line is included.
  std::string Text() const;

 private:
  std::deque<std::string> lines_;
  std::string partial_;
};

// A child started by SpawnChild; the caller owns output_fd (the read end of its stdout
// and stderr) and must reap pid.
struct SpawnedChild {
  pid_t pid = 0;
  int output_fd = -1;
};

// fork + execve of argv (argv[0] is a path) in a new process group (pgid = pid), with env
// added to the agent's environment, in working_dir (when not empty), stdin /dev/null and
// SIGPIPE ignored (so an adopted child survives the agent that read its output). A
// failed chdir or exec is reported here (FAILED_PRECONDITION), not as exit status 127.
absl::StatusOr<SpawnedChild> SpawnChild(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env,
                                        const std::string& working_dir);

// "exited with status 3", "was killed by signal 9 (SIGKILL)".
std::string DescribeWaitStatus(int wait_status);

// waitpid(pid) until it succeeds (retrying on EINTR); the exit status is discarded.
void ReapBlocking(pid_t pid);

}  // namespace osfleet::agent
