#include "agent/outsystems_services/process_backend.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
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

constexpr absl::Duration kStaysUp = absl::Milliseconds(100);
constexpr absl::Duration kPatience = absl::Seconds(10);  // bound on waits that should be quick

// Alive and not a zombie (a zombie has exited; it only waits to be reaped).
bool Alive(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Live (not zombie) processes in process group pgid.
int LiveMembers(pid_t pgid) {
  int count = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state, ppid, pgrp;
    fields >> state >> ppid >> pgrp;
    if (state != "Z" && pgrp == std::to_string(pgid)) ++count;
  }
  return count;
}

// A loopback port bound but never listened on: connecting to it is refused.
struct BoundPort {
  int fd = -1;
  int port = 0;
};

BoundPort BindPort() {
  BoundPort bound;
  bound.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(bound.fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(bound.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound.port = ntohs(addr.sin_port);
  }
  return bound;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

class ProcessBackendTest : public ::testing::Test {
 protected:
  ServiceConfig Config(std::vector<std::string> command) const {
    ServiceConfig config;
    config.name = "OutSystems Deployment Service";
    config.command = std::move(command);
    config.ready.stays_up = kStaysUp;
    config.start_timeout = absl::Seconds(10);
    config.stop_timeout = absl::Seconds(5);
    return config;
  }
  ServiceConfig Shell(const std::string& script) const { return Config({"/bin/sh", "-c", script}); }
  std::unique_ptr<ProcessBackend> Make(const ServiceConfig& config) {
    absl::StatusOr<std::unique_ptr<ProcessBackend>> backend =
        ProcessBackend::Create(config, tmp_.Sub("state"));
    EXPECT_TRUE(backend.ok()) << backend.status();
    return backend.ok() ? std::move(*backend) : nullptr;
  }
  std::string PidFile() const {
    return tmp_.Sub("state/services/OutSystems_Deployment_Service.pid");
  }
  // Polls Status() until it reports `state` (or gives up after kPatience).
  ServiceStatus AwaitState(ServiceBackend& backend, ServiceState state) {
    const absl::Time deadline = absl::Now() + kPatience;
    ServiceStatus status = backend.Status();
    while (status.state != state && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
      status = backend.Status();
    }
    return status;
  }
  // Polls for a file the child writes (its pid, its environment...).
  std::string AwaitFile(const std::string& path) {
    const absl::Time deadline = absl::Now() + kPatience;
    std::string text = ReadFile(path);
    while ((text.empty() || text.back() != '\n') && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
      text = ReadFile(path);
    }
    return text;
  }

  osfleet::testing::TempDir tmp_;
};

TEST_F(ProcessBackendTest, StartsAndStopsAChild) {
  auto backend = Make(Config({"/bin/sleep", "60"}));
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
  ASSERT_TRUE(backend->Start().ok());
  const ServiceStatus running = backend->Status();
  EXPECT_EQ(running.state, ServiceState::kRunning);
  ASSERT_GT(running.pid, 0);
  EXPECT_NE(running.started_at, absl::InfinitePast());
  const pid_t pid = static_cast<pid_t>(running.pid);
  EXPECT_EQ(kill(pid, 0), 0);
  EXPECT_THAT(ReadFile(PidFile()), HasSubstr(absl::StrCat(pid, " ")));

  ASSERT_TRUE(backend->Stop().ok());
  EXPECT_NE(kill(pid, 0), 0);
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
  EXPECT_FALSE(std::filesystem::exists(PidFile()));
  EXPECT_TRUE(backend->Stop().ok());  // already stopped
}

// osctl doctor: the process backend knows a service by its program; asking starts nothing.
TEST_F(ProcessBackendTest, CheckKnownLooksAtTheProgramOnly) {
  auto backend = Make(Config({"/bin/sleep", "60"}));
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(backend->CheckKnown().ok());
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
  auto missing = Make(Config({tmp_.Sub("no-such-program"), "60"}));
  ASSERT_NE(missing, nullptr);
  const absl::Status s = missing->CheckKnown();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr(tmp_.Sub("no-such-program")));
  EXPECT_THAT(s.message(), HasSubstr("No such file"));
  EXPECT_EQ(missing->Status().state, ServiceState::kStopped);
}

TEST_F(ProcessBackendTest, RestartsWithANewChildAndStartIsIdempotent) {
  auto backend = Make(Config({"/bin/sleep", "60"}));
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Start().ok());
  const int64_t first = backend->Status().pid;
  ASSERT_TRUE(backend->Start().ok());  // already running: same child
  EXPECT_EQ(backend->Status().pid, first);
  ASSERT_TRUE(backend->Stop().ok());
  ASSERT_TRUE(backend->Start().ok());
  const int64_t second = backend->Status().pid;
  EXPECT_NE(second, first);
  EXPECT_EQ(kill(static_cast<pid_t>(second), 0), 0);
  EXPECT_NE(kill(static_cast<pid_t>(first), 0), 0);
  ASSERT_TRUE(backend->Stop().ok());
}

TEST_F(ProcessBackendTest, ChildThatDiesAtStartFailsWithItsStatusAndOutput) {
  auto backend = Make(Shell("echo starting; echo boom >&2; exit 3"));
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("OutSystems Deployment Service exited with status 3 "
                                          "during start: starting\nboom"));
  const ServiceStatus after = backend->Status();
  EXPECT_EQ(after.state, ServiceState::kFailed);
  EXPECT_THAT(after.detail, HasSubstr("boom"));
  EXPECT_FALSE(std::filesystem::exists(PidFile()));
  EXPECT_TRUE(backend->Stop().ok());
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
}

TEST_F(ProcessBackendTest, OutputThatIsNotUtf8BecomesReplacementCharacters) {
  auto backend = Make(Shell("printf '\\377\\376 caf\\303'; exit 1"));
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsValidUtf8(status.message())) << status.message();
  EXPECT_THAT(status.message(), HasSubstr("\xEF\xBF\xBD\xEF\xBF\xBD caf\xEF\xBF\xBD"));
  const ServiceStatus after = backend->Status();
  EXPECT_EQ(after.state, ServiceState::kFailed);
  EXPECT_TRUE(IsValidUtf8(after.detail)) << after.detail;
}

TEST_F(ProcessBackendTest, ChildIgnoringSigtermIsKilledAfterStopTimeout) {
  ServiceConfig config = Shell("trap '' TERM; while :; do sleep 0.05; done");
  config.stop_timeout = absl::Milliseconds(300);
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Start().ok());
  const pid_t pid = static_cast<pid_t>(backend->Status().pid);
  const absl::Time before = absl::Now();
  ASSERT_TRUE(backend->Stop().ok());
  EXPECT_GE(absl::Now() - before, config.stop_timeout);  // it did ignore SIGTERM
  EXPECT_NE(kill(pid, 0), 0);
  EXPECT_EQ(LiveMembers(pid), 0);  // nor its `sleep` children
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
}

TEST_F(ProcessBackendTest, NotReadyWithinStartTimeoutIsKilled) {
  const BoundPort refused = BindPort();
  ASSERT_GT(refused.port, 0);
  const std::string pid_out = tmp_.Sub("child.pid");
  ServiceConfig config = Shell(absl::StrCat("echo $$ > ", pid_out, "; exec /bin/sleep 60"));
  config.ready.tcp_port = refused.port;
  config.start_timeout = absl::Milliseconds(300);
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  close(refused.fd);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("127.0.0.1:", refused.port)));
  const std::string child = ReadFile(pid_out);
  ASSERT_FALSE(child.empty());
  EXPECT_NE(kill(std::stoi(child), 0), 0);
  const ServiceStatus after = backend->Status();
  EXPECT_EQ(after.state, ServiceState::kFailed);
  EXPECT_THAT(after.detail, HasSubstr("not ready within 300ms"));
}

TEST_F(ProcessBackendTest, TcpReadinessWaitsForTheChildToListen) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  BoundPort free_port = BindPort();
  ASSERT_GT(free_port.port, 0);
  close(free_port.fd);
  ServiceConfig config =
      Config({"/usr/bin/python3", "-c",
              absl::StrCat("import socket,time;s=socket.socket();"
                           "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);time.sleep(0.2);"
                           "s.bind(('127.0.0.1',",
                           free_port.port, "));s.listen();time.sleep(60)")});
  config.ready.tcp_port = free_port.port;
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  const absl::Time before = absl::Now();
  const absl::Status status = backend->Start();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_GE(absl::Now() - before, absl::Milliseconds(200));  // it waited for the listener
  EXPECT_EQ(backend->Status().state, ServiceState::kRunning);
  ASSERT_TRUE(backend->Stop().ok());
}

TEST_F(ProcessBackendTest, UnexpectedExitIsReportedWithDetail) {
  const std::string go = tmp_.Sub("go");
  auto backend = Make(Shell(
      absl::StrCat("while [ ! -e ", go, " ]; do sleep 0.02; done; echo going down >&2; exit 4")));
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Start().ok());
  std::ofstream(go).put('x');
  const ServiceStatus status = AwaitState(*backend, ServiceState::kFailed);
  EXPECT_EQ(status.state, ServiceState::kFailed);
  EXPECT_THAT(status.detail, HasSubstr("exited with status 4"));
  EXPECT_THAT(status.detail, HasSubstr("going down"));
  EXPECT_TRUE(backend->Stop().ok());
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
}

TEST_F(ProcessBackendTest, ChildGetsEnvAndWorkingDirAndNoStdin) {
  ServiceConfig config =
      Shell("echo \"$OSFLEET_TEST_VAR $(pwd) $(cat | wc -c)\" > env.out; exec /bin/sleep 60");
  config.env["OSFLEET_TEST_VAR"] = "hello";
  config.working_dir = tmp_.path();
  auto backend = Make(config);
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->Start().ok());
  EXPECT_EQ(AwaitFile(tmp_.Sub("env.out")), absl::StrCat("hello ", tmp_.path(), " 0\n"));
  ASSERT_TRUE(backend->Stop().ok());
}

TEST_F(ProcessBackendTest, CommandThatCannotRunFailsClearly) {
  auto backend = Make(Config({tmp_.Sub("no-such-program")}));
  ASSERT_NE(backend, nullptr);
  const absl::Status status = backend->Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));
  EXPECT_EQ(backend->Status().state, ServiceState::kFailed);
}

TEST_F(ProcessBackendTest, NewBackendAdoptsAChildLeftRunningAndStopsIt) {
  const ServiceConfig config = Shell("trap '' TERM; while :; do sleep 0.05; done");
  pid_t pid = 0;
  {
    auto first = Make(config);
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(first->Start().ok());
    pid = static_cast<pid_t>(first->Status().pid);
  }  // the agent "restarts": destroying the backend leaves the child running
  ASSERT_TRUE(Alive(pid));
  ServiceConfig quick = config;
  quick.stop_timeout = absl::Milliseconds(200);
  auto second = Make(quick);
  ASSERT_NE(second, nullptr);
  ServiceStatus status = second->Status();
  EXPECT_EQ(status.state, ServiceState::kRunning);
  EXPECT_EQ(status.pid, pid);
  EXPECT_NE(status.started_at, absl::InfinitePast());
  ASSERT_TRUE(second->Start().ok());  // already running: nothing new started
  EXPECT_EQ(second->Status().pid, pid);
  ASSERT_TRUE(second->Stop().ok());  // SIGTERM ignored: SIGKILL after 200ms
  EXPECT_FALSE(Alive(pid));
  EXPECT_EQ(second->Status().state, ServiceState::kStopped);
  EXPECT_FALSE(std::filesystem::exists(PidFile()));
}

TEST_F(ProcessBackendTest, StalePidFileIsNotAdopted) {
  std::filesystem::create_directories(tmp_.Sub("state/services"));
  // Our own pid with a wrong start time: alive, but not the process the file meant.
  std::ofstream(PidFile()) << getpid() << " 1 0\n";
  auto backend = Make(Config({"/bin/sleep", "60"}));
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Status().state, ServiceState::kStopped);
  EXPECT_FALSE(std::filesystem::exists(PidFile()));
}

TEST_F(ProcessBackendTest, RefusesAnEmptyCommand) {
  ServiceConfig config = Config({});
  EXPECT_EQ(ProcessBackend::Create(config, tmp_.path()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OutputTailTest, KeepsTheLastTwentyLines) {
  OutputTail tail;
  for (int i = 0; i < 30; ++i) tail.Append(absl::StrCat("line ", i, "\r\n"));
  tail.Append("partial");
  const std::string text = tail.Text();
  EXPECT_THAT(text, ::testing::StartsWith("line 11\n"));
  EXPECT_THAT(text, ::testing::EndsWith("line 29\npartial"));
}

TEST(DescribeWaitStatusTest, ExitAndSignal) {
  EXPECT_EQ(DescribeWaitStatus(3 << 8), "exited with status 3");
  EXPECT_EQ(DescribeWaitStatus(SIGKILL), "was killed by signal 9 (SIGKILL)");
}

}  // namespace
}  // namespace osfleet::agent
