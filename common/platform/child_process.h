// Child processes the way the agent runs OutSystems services and commands: a process group
// of their own (a job object on Windows) so that a stop reaches every process they
// started, output captured, and their end described in words. Also the processes an
// earlier agent started, found again from a pid file.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

using ProcessId = std::int64_t;

// The last lines of a child's output (20 lines of at most 512 bytes each; '\r' dropped).
class OutputTail {
 public:
  void Append(std::string_view bytes);
  // Oldest first, joined with '\n'; an unfinished last line is included.
  std::string Text() const;

 private:
  std::deque<std::string> lines_;
  std::string partial_;
};

// How a child ended.
struct ExitStatus {
  int raw = 0;  // POSIX: the wait status; Windows: the exit code

  bool Exited() const;  // it ended by itself (was not killed)
  int Code() const;     // its exit code when Exited(), else -1
  bool Succeeded() const { return Exited() && Code() == 0; }
  // "exited with status 3", "was killed by signal 9 (SIGKILL)".
  std::string Describe() const;
};

struct CommandSpec {
  std::vector<std::string> argv;           // argv[0] is a path (PATH is not searched)
  std::map<std::string, std::string> env;  // added to this process's environment
  std::string working_dir;                 // empty: this process's
};

// How a stop reaches a process: kAsk lets it clean up (SIGTERM), kForce does not (SIGKILL).
enum class StopMode { kAsk, kForce };

// A started child. Its stdin is empty, its stdout and stderr go to one pipe this object
// reads, SIGPIPE is ignored in it (an adopted child survives the agent that read its
// output). ReadOutput and Wait may run on two threads of their own while any thread stops
// the child.
class ChildProcess {
 public:
  // Errors: Errc::kInvalidArgument "no command to run"; Errc::kCannotStart "cannot
  // start X: changing to the folder D: reason" / "...: running X: reason" when the child
  // could not run its program; the OS's otherwise ("creating a pipe", "starting X").
  static Result<ChildProcess> Spawn(const CommandSpec& spec);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // closes the output; the process keeps running and is not waited for

  ProcessId pid() const { return pid_; }
  // Blocks until output arrives: its bytes, or "" once every writer has closed the pipe
  // (which is then closed here too).
  std::string ReadOutput();
  // Blocks until the process ends and reaps it.
  ExitStatus Wait();
  // Stops the process and every process of its group.
  void Stop(StopMode mode) const;

 private:
  static constexpr std::intptr_t kNone = -1;
  void Close();

  ProcessId pid_ = 0;
  std::intptr_t output_ = kNone;   // the pipe's read end
  std::intptr_t process_ = kNone;  // Windows: the process handle
  std::intptr_t job_ = kNone;      // Windows: the job object holding the process tree
};

struct CommandOutcome {
  ExitStatus exit;         // how it ended (when it was not timed out or stopped)
  bool timed_out = false;  // it ran past the timeout: its whole group was killed
  bool stopped = false;    // watch.stop said so: its whole group was killed
  std::string output;      // the last lines of its output (OutputTail)
};

struct CommandWatch {
  std::function<void(ProcessId)> started;        // once it runs
  std::function<void(std::string_view)> output;  // each piece of output as it arrives
  std::function<bool()> stop;  // asked at each poll: true kills the whole group (a cancel)
};

// Runs spec to its end, or until `timeout` or watch.stop() and then kills its whole
// group. Its end (and a stop) is noticed within 20 ms. Background children that keep its output
// open are not waited for. Errors: Spawn's.
Result<CommandOutcome> RunCommand(const CommandSpec& spec, std::chrono::nanoseconds timeout,
                                  const CommandWatch& watch = {});

// An opaque stamp of when a live process started; with its pid it names one process
// across pid reuse (pid files keep both). nullopt when no such process is running (a
// zombie has exited and counts as gone).
std::optional<std::uint64_t> ProcessStartStamp(ProcessId pid);

// Whether the process that `stamp` was taken from still runs.
inline bool ProcessIsAlive(ProcessId pid, std::uint64_t stamp) {
  return ProcessStartStamp(pid) == stamp;
}

// Whether pid leads a process group of its own (children it started belong to it).
bool LeadsProcessGroup(ProcessId pid);

// Stops a process this agent did not start itself (adopted from a pid file), with its
// whole group when whole_group is set.
void StopProcess(ProcessId pid, bool whole_group, StopMode mode);

}  // namespace osfleet::platform
