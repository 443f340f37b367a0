// Child processes on Windows: the command line reaches the child's argv unchanged, the
// environment and folder are the spec's, output from stdout and stderr is captured, and a
// timeout, a stop or StopProcess ends the child's whole tree.
#include "common/platform/child_process.h"

#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/windows/platform/child_modes.h"
#include "tests/windows/platform/temp_dir.h"

namespace osfleet::platform::testing {
namespace {

using std::chrono::seconds;

CommandSpec Self(std::initializer_list<std::string> args) {
  CommandSpec spec;
  spec.argv.push_back(SelfPath());
  spec.argv.insert(spec.argv.end(), args);
  return spec;
}

CommandOutcome RunToEnd(const CommandSpec& spec, std::chrono::nanoseconds timeout = seconds(30)) {
  Result<CommandOutcome> outcome = RunCommand(spec, timeout);
  EXPECT_TRUE(outcome.ok()) << outcome.error().Message();
  return outcome.ok() ? *outcome : CommandOutcome{};
}

// Polls (not a sleep as synchronisation: the condition ends it) for up to 10 s.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(WindowsChildProcess, ExitCodeAndBothOutputStreamsAreCaptured) {
  CommandOutcome outcome = RunToEnd(Self({"--child=exit", "7"}));
  EXPECT_TRUE(outcome.exit.Exited());
  EXPECT_EQ(outcome.exit.Code(), 7);
  EXPECT_EQ(outcome.exit.Describe(), "exited with status 7");
  EXPECT_FALSE(outcome.timed_out);

  EXPECT_EQ(RunToEnd(Self({"--child=print", "one", "two"})).output, "one\ntwo");
  EXPECT_EQ(RunToEnd(Self({"--child=stderr", "to stderr"})).output, "to stderr");
}

TEST(WindowsChildProcess, ArgumentsArriveUnchanged) {
  const CommandOutcome outcome =
      RunToEnd(Self({"--child=args", "plain", "with space", "", R"(quote"inside)", R"(trail\)",
                     R"(C:\Program Files\OutSystems\)", R"(back\\"slash)", "/Switch:a b",
                     "Gr\xC3\xBC\xC3\x9F"
                     "e \xE2\x82\xAC"}));
  EXPECT_EQ(outcome.output,
            "[plain]\n[with space]\n[]\n[quote\"inside]\n[trail\\]\n"
            "[C:\\Program Files\\OutSystems\\]\n[back\\\\\"slash]\n"
            "[/Switch:a b]\n[Gr\xC3\xBC\xC3\x9F"
            "e \xE2\x82\xAC]");
}

TEST(WindowsChildProcess, TheSpecsEnvironmentIsAddedAndReplacesWithoutCase) {
  SetEnvironmentVariableW(L"OSFLEET_TEST_INHERITED", L"from the parent");
  CommandSpec spec = Self({"--child=env", "OSFLEET_TEST_INHERITED"});
  EXPECT_EQ(RunToEnd(spec).output, "from the parent");
  spec.env["osfleet_test_inherited"] = "from the spec";
  EXPECT_EQ(RunToEnd(spec).output, "from the spec");
  spec = Self({"--child=env", "OSFLEET_TEST_ADDED"});
  spec.env["OSFLEET_TEST_ADDED"] = "caf\xC3\xA9";
  EXPECT_EQ(RunToEnd(spec).output, "caf\xC3\xA9");
}

TEST(WindowsChildProcess, RunsInTheSpecsFolderAndNamesAMissingOne) {
  TempDir dir("child folder \xC3\xA9t\xC3\xA9");
  CommandSpec spec = Self({"--child=cwd"});
  spec.working_dir = dir.path();
  EXPECT_EQ(RunToEnd(spec).output, dir.path());

  spec.working_dir = dir.Sub("missing");
  Result<CommandOutcome> outcome = RunCommand(spec, seconds(30));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, make_error_code(Errc::kCannotStart));
  EXPECT_NE(outcome.error().Message().find("changing to the folder " + dir.Sub("missing")),
            std::string::npos)
      << outcome.error().Message();
}

TEST(WindowsChildProcess, AMissingProgramOrNoneIsAPreciseError) {
  TempDir dir;
  Result<ChildProcess> child = ChildProcess::Spawn(CommandSpec{{dir.Sub("nothing.exe")}, {}, ""});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().code, make_error_code(Errc::kCannotStart));
  EXPECT_NE(child.error().Message().find("running " + dir.Sub("nothing.exe")), std::string::npos)
      << child.error().Message();

  Result<CommandOutcome> none = RunCommand(CommandSpec{}, seconds(1));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().Message(), "no command to run");
}

TEST(WindowsChildProcess, ATimeoutEndsTheWholeTree) {
  std::string grandchild;
  CommandWatch watch;
  watch.output = [&](std::string_view bytes) { grandchild.append(bytes); };
  Result<CommandOutcome> outcome =
      RunCommand(Self({"--child=tree", "60000"}), std::chrono::milliseconds(1500), watch);
  ASSERT_TRUE(outcome.ok()) << outcome.error().Message();
  EXPECT_TRUE(outcome->timed_out);
  const ProcessId pid = std::stoll(grandchild);
  EXPECT_TRUE(Eventually([&] { return !ProcessStartStamp(pid).has_value(); }))
      << "grandchild " << pid << " still runs";
}

TEST(WindowsChildProcess, AStopEndsTheCommandAndSaysSo) {
  int polls = 0;
  CommandWatch watch;
  watch.stop = [&] { return ++polls > 3; };
  Result<CommandOutcome> outcome = RunCommand(Self({"--child=sleep", "60000"}), seconds(60), watch);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->stopped);
  EXPECT_FALSE(outcome->timed_out);
}

TEST(WindowsChildProcess, ABackgroundChildHoldingTheOutputIsNotWaitedFor) {
  std::string grandchild;
  CommandWatch watch;
  watch.output = [&](std::string_view bytes) { grandchild.append(bytes); };
  Result<CommandOutcome> outcome = RunCommand(Self({"--child=tree", "0"}), seconds(30), watch);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_TRUE(outcome->exit.Succeeded()) << outcome->exit.Describe();
  const ProcessId pid = std::stoll(grandchild);
  EXPECT_TRUE(ProcessStartStamp(pid).has_value());  // still running: it was not waited for
  StopProcess(pid, false, StopMode::kForce);
  EXPECT_TRUE(Eventually([&] { return !ProcessStartStamp(pid).has_value(); }));
}

TEST(WindowsChildProcess, SpawnedChildStopsWithItsTreeAndReportsItWasTerminated) {
  Result<ChildProcess> child = ChildProcess::Spawn(Self({"--child=tree", "60000"}));
  ASSERT_TRUE(child.ok()) << child.error().Message();
  const std::string first = child->ReadOutput();
  ASSERT_FALSE(first.empty());
  const ProcessId grandchild = std::stoll(first);
  const std::optional<std::uint64_t> stamp = ProcessStartStamp(child->pid());
  ASSERT_TRUE(stamp.has_value());
  EXPECT_TRUE(ProcessIsAlive(child->pid(), *stamp));
  EXPECT_TRUE(LeadsProcessGroup(child->pid()));

  child->Stop(StopMode::kForce);
  const ExitStatus status = child->Wait();
  EXPECT_FALSE(status.Exited());
  EXPECT_EQ(status.Code(), -1);
  EXPECT_EQ(status.Describe(), "was terminated");
  EXPECT_EQ(child->ReadOutput(), "");  // the pipe closes once the tree is gone
  EXPECT_FALSE(ProcessIsAlive(child->pid(), *stamp));
  EXPECT_TRUE(Eventually([&] { return !ProcessStartStamp(grandchild).has_value(); }));
}

TEST(WindowsChildProcess, AnAdoptedProcessStopsWithWhatItStarted) {
  Result<ChildProcess> child = ChildProcess::Spawn(Self({"--child=tree", "60000"}));
  ASSERT_TRUE(child.ok());
  const ProcessId grandchild = std::stoll(child->ReadOutput());
  // As after an agent restart: only the pid is known.
  StopProcess(child->pid(), LeadsProcessGroup(child->pid()), StopMode::kForce);
  EXPECT_FALSE(child->Wait().Exited());
  EXPECT_TRUE(Eventually([&] { return !ProcessStartStamp(grandchild).has_value(); }));
}

TEST(WindowsChildProcess, ExceptionCodesAreNotExits) {
  EXPECT_FALSE(ExitStatus{static_cast<int>(0xC0000005u)}.Exited());
  EXPECT_EQ(ExitStatus{static_cast<int>(0xC0000005u)}.Describe(),
            "ended with exception 0xC0000005");
  EXPECT_EQ(ExitStatus{static_cast<int>(0xC000013Au)}.Describe(),
            "was ended by Ctrl+C (0xC000013A)");
  EXPECT_FALSE(ProcessStartStamp(0x7FFFFFF0).has_value());
}

}  // namespace
}  // namespace osfleet::platform::testing
