#include "agent/outsystems_services/command_backend.h"

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

// Alive and not a zombie.
bool Alive(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

class CommandBackendTest : public ::testing::Test {
 protected:
  // A "service" that is running while the marker file exists.
  ServiceConfig Config() const {
    ServiceConfig config;
    config.name = "OutSystems Scheduler Service";
    config.backend = BackendKind::kCommand;
    config.start_command = absl::StrCat("touch ", marker_);
    config.stop_command = absl::StrCat("rm -f ", marker_);
    config.status_command = absl::StrCat("test -e ", marker_, " || exit 3");
    config.start_timeout = absl::Seconds(10);
    config.stop_timeout = absl::Seconds(10);
    return config;
  }
  std::unique_ptr<CommandBackend> Make(const ServiceConfig& config) {
    absl::StatusOr<std::unique_ptr<CommandBackend>> backend = CommandBackend::Create(config);
    EXPECT_TRUE(backend.ok()) << backend.status();
    return backend.ok() ? std::move(*backend) : nullptr;
  }

  osfleet::testing::TempDir tmp_;
  const std::string marker_ = tmp_.Sub("running");
};

// osctl doctor: exit 0 and 3 are services the system knows; 4 is systemctl's (and LSB's)
// answer for one it does not; a status command that cannot finish is no answer at all.
TEST_F(CommandBackendTest, CheckKnownAsksTheStatusCommandOnly) {
  auto backend = Make(Config());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(backend->CheckKnown().ok());  // stopped (exit 3), still known
  EXPECT_FALSE(std::filesystem::exists(marker_));
  ServiceConfig unknown = Config();
  unknown.status_command = "echo 'Unit nosuch.service could not be found.' >&2; exit 4";
  auto missing = Make(unknown);
  ASSERT_NE(missing, nullptr);
  const absl::Status s = missing->CheckKnown();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("status 4"));
  EXPECT_THAT(s.message(), HasSubstr("could not be found"));
  ServiceConfig failed = Config();
  failed.status_command = "exit 1";  // known, but dead: Status() says failed, not unknown
  auto dead = Make(failed);
  ASSERT_NE(dead, nullptr);
  EXPECT_TRUE(dead->CheckKnown().ok());
}

TEST_F(CommandBackendTest, StartsAndStopsThroughItsCommands) {
  auto backend = Make(Config());
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
  ASSERT_TRUE(backend->Start().ok());
  EXPECT_TRUE(std::filesystem::exists(marker_));
  EXPECT_EQ(backend->Status().state, ServiceState::kRunning);
  ASSERT_TRUE(backend->Start().ok());  // already running
  ASSERT_TRUE(backend->Stop().ok());
  EXPECT_FALSE(std::filesystem::exists(marker_));
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
  EXPECT_TRUE(backend->Stop().ok());  // already stopped
}

TEST_F(CommandBackendTest, StartWaitsForStatusToSayRunning) {
  ServiceConfig config = Config();
  // Returns at once; the "service" comes up later, in a child that keeps stdout open.
  config.start_command = absl::StrCat("(sleep 0.3; touch ", marker_, ") &");
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(std::filesystem::exists(marker_));
}

TEST_F(CommandBackendTest, FailingStartCommandReportsStatusAndOutput) {
  ServiceConfig config = Config();
  config.start_command = "echo nope >&2; exit 2";
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("OutSystems Scheduler Service: start command exited "
                                          "with status 2: nope"));
}

// A service control tool writing in its code page, or cut inside a character.
TEST_F(CommandBackendTest, OutputThatIsNotUtf8BecomesReplacementCharacters) {
  ServiceConfig config = Config();
  config.start_command = "printf '\\377\\376 caf\\303'; exit 1";
  config.status_command = "printf 'St\\351 broken'; exit 1";
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsValidUtf8(status.message())) << status.message();
  EXPECT_THAT(status.message(), HasSubstr("exited with status 1: \xEF\xBF\xBD\xEF\xBF\xBD caf"
                                          "\xEF\xBF\xBD"));
  const ServiceStatus failed = backend->Status();
  EXPECT_TRUE(IsValidUtf8(failed.detail)) << failed.detail;
  EXPECT_THAT(failed.detail, HasSubstr("St\xEF\xBF\xBD broken"));
  absl::StatusOr<CommandResult> result = RunShellCommand("printf 'a\\351b'", absl::Seconds(10));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->output,
            "a\xEF\xBF\xBD"
            "b");
}

TEST_F(CommandBackendTest, StartTimesOutWhenStatusNeverSaysRunning) {
  ServiceConfig config = Config();
  config.start_command = "true";
  config.start_timeout = absl::Milliseconds(300);
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("not running within 300ms (it is stopped)"));
}

TEST_F(CommandBackendTest, StatusOtherThanZeroOrThreeIsFailed) {
  ServiceConfig config = Config();
  config.status_command = "echo broken; exit 1";
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const ServiceStatus status = backend->Status();
  EXPECT_EQ(status.state, ServiceState::kFailed);
  EXPECT_THAT(status.detail, HasSubstr("exited with status 1: broken"));
}

TEST_F(CommandBackendTest, RefusesMissingCommands) {
  ServiceConfig config = Config();
  config.status_command.clear();
  EXPECT_EQ(CommandBackend::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CommandBackendTest, RunShellCommandCapturesOutputAndExitStatus) {
  absl::StatusOr<CommandResult> result =
      RunShellCommand("echo out; echo err >&2; exit 5", absl::Seconds(10));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(WIFEXITED(result->wait_status));
  EXPECT_EQ(WEXITSTATUS(result->wait_status), 5);
  EXPECT_EQ(result->output, "out\nerr");
}

TEST_F(CommandBackendTest, RunShellCommandKillsTheProcessGroupOnTimeout) {
  const std::string pid_file = tmp_.Sub("sleeper.pid");
  const absl::Time before = absl::Now();
  absl::StatusOr<CommandResult> result =
      RunShellCommand(absl::StrCat("/bin/sleep 30 & echo $! > ", pid_file, "; echo started; wait"),
                      absl::Milliseconds(300));
  EXPECT_LT(absl::Now() - before, absl::Seconds(5));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("started"));
  std::ifstream in(pid_file);
  pid_t sleeper = 0;
  ASSERT_TRUE(in >> sleeper);
  // The background sleep was in the command's group: killed too (its new parent reaps it).
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Alive(sleeper) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_FALSE(Alive(sleeper));
}

}  // namespace
}  // namespace osfleet::agent
