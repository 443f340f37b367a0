#include "common/platform/child_process.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::platform {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::TempDir;

CommandSpec Shell(const std::string& script) { return {{"/bin/sh", "-c", script}, {}, ""}; }

// Waits (bounded) until the process is gone; true if it went.
bool Gone(ProcessId pid) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ProcessStartStamp(pid).has_value() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  return !ProcessStartStamp(pid).has_value();
}

ProcessId ReadPid(const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  ProcessId pid = 0;
  while (pid == 0 && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    if (!(in >> pid)) std::this_thread::sleep_for(10ms);
  }
  return pid;
}

TEST(RunCommandTest, ReportsTheExitCodeAndTheOutputTail) {
  std::string seen;
  ProcessId started = 0;
  CommandWatch watch;
  watch.started = [&started](ProcessId pid) { started = pid; };
  watch.output = [&seen](std::string_view bytes) { seen.append(bytes); };
  Result<CommandOutcome> run = RunCommand(Shell("echo out; echo err >&2; exit 5"), 10s, watch);
  ASSERT_TRUE(run.ok()) << run.error().Message();
  EXPECT_FALSE(run->timed_out);
  EXPECT_TRUE(run->exit.Exited());
  EXPECT_EQ(run->exit.Code(), 5);
  EXPECT_FALSE(run->exit.Succeeded());
  EXPECT_EQ(run->exit.Describe(), "exited with status 5");
  EXPECT_EQ(run->output, "out\nerr");
  EXPECT_EQ(seen, "out\nerr\n");
  EXPECT_GT(started, 0);
}

TEST(RunCommandTest, PassesTheEnvironmentAndTheFolder) {
  TempDir dir;
  CommandSpec spec = Shell("echo \"$OSFLEET_TEST_VALUE\"; pwd");
  spec.env["OSFLEET_TEST_VALUE"] = "from the spec";
  spec.working_dir = dir.path();
  Result<CommandOutcome> run = RunCommand(spec, 10s);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->exit.Succeeded());
  EXPECT_EQ(run->output, "from the spec\n" + std::filesystem::canonical(dir.path()).string());
}

TEST(RunCommandTest, ATimeoutKillsTheWholeGroup) {
  TempDir dir;
  const std::string pid_file = dir.Sub("sleeper.pid");
  const auto before = std::chrono::steady_clock::now();
  Result<CommandOutcome> run =
      RunCommand(Shell("/bin/sleep 30 & echo $! > " + pid_file + "; echo started; wait"), 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->timed_out);
  EXPECT_EQ(run->output, "started");
  const ProcessId sleeper = ReadPid(pid_file);
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(Gone(sleeper));  // the background sleep was in the command's group
}

TEST(RunCommandTest, AProgramThatCannotRunIsReportedNotExit127) {
  Result<CommandOutcome> run = RunCommand({{"/nonexistent/program"}, {}, ""}, 10s);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, Errc::kCannotStart);
  EXPECT_EQ(run.error().Message(),
            "cannot start /nonexistent/program: running /nonexistent/program: No such file or "
            "directory");
  Result<ChildProcess> no_folder = ChildProcess::Spawn({{"/bin/true"}, {}, "/nonexistent/dir"});
  ASSERT_FALSE(no_folder.ok());
  EXPECT_THAT(no_folder.error().Message(), HasSubstr("changing to the folder /nonexistent/dir"));
  Result<ChildProcess> empty = ChildProcess::Spawn({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
}

TEST(ChildProcessTest, ReadsTheOutputAndReapsTheExit) {
  Result<ChildProcess> child = ChildProcess::Spawn(Shell("echo hello; exit 3"));
  ASSERT_TRUE(child.ok()) << child.error().Message();
  std::string output;
  for (std::string bytes = child->ReadOutput(); !bytes.empty(); bytes = child->ReadOutput()) {
    output += bytes;
  }
  EXPECT_EQ(output, "hello\n");
  EXPECT_EQ(child->ReadOutput(), "");  // closed for good
  const ExitStatus exit = child->Wait();
  EXPECT_EQ(exit.Code(), 3);
}

TEST(ChildProcessTest, StopReachesEveryProcessOfTheGroup) {
  TempDir dir;
  const std::string pid_file = dir.Sub("grandchild.pid");
  Result<ChildProcess> child =
      ChildProcess::Spawn(Shell("/bin/sleep 60 & echo $! > " + pid_file + "; wait"));
  ASSERT_TRUE(child.ok());
  const ProcessId grandchild = ReadPid(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(LeadsProcessGroup(child->pid()));
  EXPECT_TRUE(ProcessStartStamp(grandchild).has_value());
  child->Stop(StopMode::kAsk);
  const ExitStatus exit = child->Wait();
  EXPECT_FALSE(exit.Exited());
  EXPECT_EQ(exit.Describe(), "was killed by signal 15 (SIGTERM)");
  EXPECT_TRUE(Gone(grandchild));
}

TEST(ChildProcessTest, StopProcessForcesAnAdoptedGroup) {
  Result<ChildProcess> child = ChildProcess::Spawn(Shell("trap '' TERM; /bin/sleep 60"));
  ASSERT_TRUE(child.ok());
  const ProcessId pid = child->pid();
  const std::optional<std::uint64_t> stamp = ProcessStartStamp(pid);
  ASSERT_TRUE(stamp.has_value());
  EXPECT_TRUE(ProcessIsAlive(pid, *stamp));
  EXPECT_FALSE(ProcessIsAlive(pid, *stamp + 1));  // a reused pid has another stamp
  StopProcess(pid, /*whole_group=*/true, StopMode::kForce);
  EXPECT_EQ(child->Wait().Describe(), "was killed by signal 9 (SIGKILL)");
  EXPECT_FALSE(ProcessIsAlive(pid, *stamp));
}

TEST(ProcessStartStampTest, ThisProcessRunsAndANonPidDoesNot) {
  EXPECT_TRUE(ProcessStartStamp(static_cast<ProcessId>(getpid())).has_value());
  EXPECT_FALSE(ProcessStartStamp(0x7ffffff0).has_value());
}

TEST(ExitStatusTest, Describes) {
  EXPECT_EQ(ExitStatus{3 << 8}.Describe(), "exited with status 3");
  EXPECT_EQ(ExitStatus{SIGKILL}.Describe(), "was killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(ExitStatus{0}.Succeeded());
  EXPECT_EQ(ExitStatus{SIGKILL}.Code(), -1);
}

TEST(OutputTailTest, KeepsTheLastTwentyLinesAndThePartialOne) {
  OutputTail tail;
  for (int i = 0; i < 30; ++i) tail.Append("line " + std::to_string(i) + "\r\n");
  tail.Append("partial");
  const std::string text = tail.Text();
  EXPECT_THAT(text, ::testing::StartsWith("line 11\n"));
  EXPECT_THAT(text, ::testing::EndsWith("line 29\npartial"));
  OutputTail long_line;
  long_line.Append(std::string(2000, 'x') + "\n");
  EXPECT_EQ(long_line.Text(), std::string(512, 'x'));
}

}  // namespace
}  // namespace osfleet::platform
