// A hostile or careless file system around server.hsconf, with real agents: backups with
// names from a clock that was ahead, a link swapped in between the read and the write, a
// folder others may write, two agents (two state dirs) on one file, a kill -9 in the middle
// of a write, and `encrypted` attributes that do not say "true" or "false" plainly.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include <future>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/model/revision.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr absl::Duration kWait = absl::Seconds(15);

// OSFLEET_TEST_PAUSE_AT for the agents started while this lives (they inherit it).
class PauseAt {
 public:
  explicit PauseAt(const std::string& point) { setenv("OSFLEET_TEST_PAUSE_AT", point.c_str(), 1); }
  ~PauseAt() { unsetenv("OSFLEET_TEST_PAUSE_AT"); }
};

// Whether the process has stopped itself (state T in /proc/PID/stat).
bool IsStopped(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T';
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(name);
    }
    closedir(d);
  }
  return out;
}

std::vector<std::string> TempFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& name : Entries(dir)) {
    if (absl::StrContains(name, ".tmp-")) out.push_back(name);
  }
  return out;
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

// An agent serving `hsconf` (prepared by the caller) from `dir`, with extra flags.
std::unique_ptr<Agent> StartOn(const std::string& dir, const std::string& hsconf,
                               std::vector<std::string> extra_args = {}) {
  AgentOptions options{"fe01", "front_end", ""};
  options.hsconf = hsconf;
  options.extra_args = std::move(extra_args);
  auto agent = std::make_unique<Agent>(dir, options);
  EXPECT_TRUE(agent->WaitReady()) << ReadFile(agent->log());
  return agent;
}

grpc::Status SetWithWindow(AgentClient& client, const std::string& address,
                           const std::string& revision, int window_seconds,
                           v1::SetEndpointsResponse* resp) {
  v1::SetEndpointsRequest req;
  v1::EndpointChange* c = req.add_changes();
  c->set_database(v1::DATABASE_PLATFORM);
  c->set_address(address);
  req.set_expected_revision(revision);
  req.mutable_confirm_within()->set_seconds(window_seconds);
  return client.endpoints().Set(client.Context().get(), req, resp);
}

// A Set on its own thread (the agent may be stopped while it runs).
std::future<grpc::Status> SetLater(const std::string& address, const std::string& to,
                                   const std::string& revision) {
  return std::async(std::launch::async, [address, to, revision] {
    AgentClient client(address);
    v1::SetEndpointsResponse resp;
    return client.Set(v1::DATABASE_PLATFORM, to, revision, &resp);
  });
}

bool Done(const std::future<grpc::Status>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

// ----- #4 backups ordered by a sequence number, not by the clock in their names ----------

// A clock that was years ahead left backups whose names sort after today's. A Set with a
// confirm window must keep the backup it just took, and the automatic revert must work.
TEST(HostileFs, BackupsFromAClockThatWasAheadDoNotEvictTheNewOne) {
  TempDir tmp;
  const std::string hsconf = tmp.Sub("server.hsconf");
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  const std::string config = tmp.Sub("agent.yaml");
  WriteFile(config, "max_backups: 3\n");
  const std::string backups = tmp.Sub("agent/state/backups");
  ASSERT_EQ(RunProgram({"/bin/mkdir", "-p", backups}).exit_code, 0);
  // Backups written by an older osagent (time-named ids), from 2099.
  for (int i = 0; i < 4; ++i) {
    const std::string id = absl::StrCat("2099-01-0", i + 1, "T000000.000000Z-", "deadbee", i);
    WriteFile(absl::StrCat(backups, "/", id, ".hsconf"), original);
    WriteFile(absl::StrCat(backups, "/", id, ".reason"), "from the future");
  }
  auto agent = StartOn(tmp.Sub("agent"), hsconf, {"--config", config});
  AgentClient client(agent->address());
  v1::SetEndpointsResponse resp;
  grpc::Status set = SetWithWindow(client, "sqlnew01.corp", Sha256Hex(original), 1, &resp);
  ASSERT_OK(set);
  // The backup the change needs is there and listed first (newest).
  v1::ListBackupsResponse list;
  ASSERT_OK(client.endpoints().ListBackups(client.Context().get(), {}, &list));
  ASSERT_GE(list.backups_size(), 1);
  EXPECT_EQ(list.backups(0).id(), resp.backup_id());
  // Not confirmed: the agent reverts it by itself.
  EXPECT_TRUE(WaitFor([&] { return ReadFile(hsconf) == original; }, kWait))
      << "not reverted; log:\n"
      << ReadFile(agent->log());
  EXPECT_THAT(ReadFile(agent->log()), Not(HasSubstr("automatic revert of")));
}

// Backups an older osagent wrote (time-named) are still listed, after the new ones, and
// still restore.
TEST(HostileFs, BackupsOfAnOlderVersionAreListedAndUsable) {
  TempDir tmp;
  const std::string hsconf = tmp.Sub("server.hsconf");
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  const std::string backups = tmp.Sub("agent/state/backups");
  ASSERT_EQ(RunProgram({"/bin/mkdir", "-p", backups}).exit_code, 0);
  const std::string old_id = "2026-01-02T030405.000006Z-" + Sha256Hex(original).substr(0, 8);
  WriteFile(backups + "/" + old_id + ".hsconf", original);
  WriteFile(backups + "/" + old_id + ".reason", "written by osagent 0.x");
  auto agent = StartOn(tmp.Sub("agent"), hsconf);
  AgentClient client(agent->address());
  v1::SetEndpointsResponse resp;
  ASSERT_OK(client.Set(v1::DATABASE_PLATFORM, "sqlnew01.corp", Sha256Hex(original), &resp));
  v1::ListBackupsResponse list;
  ASSERT_OK(client.endpoints().ListBackups(client.Context().get(), {}, &list));
  ASSERT_EQ(list.backups_size(), 2);
  EXPECT_EQ(list.backups(0).id(), resp.backup_id());
  EXPECT_EQ(list.backups(1).id(), old_id);
  EXPECT_EQ(list.backups(1).reason(), "written by osagent 0.x");
  v1::RollbackRequest req;
  req.set_backup_id(old_id);
  req.set_expected_revision(resp.revision());
  v1::RollbackResponse back;
  grpc::Status rolled = client.endpoints().Rollback(client.Context().get(), req, &back);
  ASSERT_OK(rolled);
  EXPECT_EQ(ReadFile(hsconf), original);
}

// ----- #5 the file opened once; a swap refused; a folder others may write refused ---------

// Between the read and the write, server.hsconf is replaced by a link to another file.
// The agent (root) must not write its content over that file.
TEST(HostileFs, ALinkSwappedInBeforeTheWriteIsRefused) {
  TempDir tmp;
  const std::string dir = tmp.Sub("os");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string hsconf = dir + "/server.hsconf";
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  const std::string victim = dir + "/victim.conf";
  WriteFile(victim, "precious\n");
  std::unique_ptr<Agent> agent;
  {
    PauseAt pause("hsconf-before-write");
    agent = StartOn(tmp.Sub("agent"), hsconf);
  }
  std::future<grpc::Status> set = SetLater(agent->address(), "sqlnew01.corp", Sha256Hex(original));
  ASSERT_TRUE(WaitFor([&] { return IsStopped(agent->process().pid()); }, kWait));
  ASSERT_EQ(rename(hsconf.c_str(), (dir + "/moved.hsconf").c_str()), 0);
  ASSERT_EQ(symlink(victim.c_str(), hsconf.c_str()), 0);
  kill(agent->process().pid(), SIGCONT);
  const grpc::Status status = set.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("was replaced"));
  EXPECT_EQ(ReadFile(victim), "precious\n");
  EXPECT_EQ(ReadFile(dir + "/moved.hsconf"), original);
  struct stat st {};
  ASSERT_EQ(lstat(hsconf.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_THAT(TempFiles(dir), IsEmpty());
}

// A folder anyone may write (no sticky bit): refused before anything is written, with a
// message that names the folder and its mode.
TEST(HostileFs, AFolderOthersMayWriteIsRefused) {
  TempDir tmp;
  const std::string dir = tmp.Sub("open");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string hsconf = dir + "/server.hsconf";
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
  auto agent = StartOn(tmp.Sub("agent"), hsconf);
  AgentClient client(agent->address());
  v1::SetEndpointsResponse resp;
  grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "sqlnew01.corp", Sha256Hex(original), &resp);
  EXPECT_EQ(set.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << set.error_message();
  EXPECT_THAT(set.error_message(), HasSubstr(dir + " is writable by others (mode 0777"));
  EXPECT_EQ(ReadFile(hsconf), original);
  // Sticky (like /tmp) and the file is root's: others cannot replace it; allowed.
  ASSERT_EQ(chmod(dir.c_str(), 01777), 0);
  set = client.Set(v1::DATABASE_PLATFORM, "sqlnew01.corp", Sha256Hex(original), &resp);
  EXPECT_OK(set);
  EXPECT_THAT(ReadFile(hsconf), HasSubstr(">sqlnew01.corp<"));
}

// ----- #6 two agents (two state dirs) on one file ----------------------------------------

// Agent A stops holding the file between its compare and its write; agent B's Set on the
// same revision waits for A's lock, then finds the file changed: exactly one wins.
TEST(HostileFs, TwoAgentsOnOneFileNeverBothWinTheSameRevision) {
  TempDir tmp;
  const std::string hsconf = tmp.Sub("server.hsconf");
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  std::unique_ptr<Agent> a;
  {
    PauseAt pause("hsconf-before-write");
    a = StartOn(tmp.Sub("a"), hsconf);
  }
  auto b = StartOn(tmp.Sub("b"), hsconf);
  const std::string revision = Sha256Hex(original);
  std::future<grpc::Status> set_a = SetLater(a->address(), "sql-from-a.corp", revision);
  ASSERT_TRUE(WaitFor([&] { return IsStopped(a->process().pid()); }, kWait));
  std::future<grpc::Status> set_b = SetLater(b->address(), "sql-from-b.corp", revision);
  // B either waits for A's lock (and says so in its log) or, without a lock, goes ahead.
  ASSERT_TRUE(WaitFor(
      [&] { return Done(set_b) || absl::StrContains(ReadFile(b->log()), "is locked by another"); },
      kWait));
  kill(a->process().pid(), SIGCONT);
  const grpc::Status status_a = set_a.get(), status_b = set_b.get();
  EXPECT_OK(status_a);
  EXPECT_EQ(status_b.error_code(), grpc::StatusCode::ABORTED) << status_b.error_message();
  EXPECT_THAT(status_b.error_message(), HasSubstr("revision conflict"));
  const std::string now = ReadFile(hsconf);
  EXPECT_THAT(now, HasSubstr(">sql-from-a.corp<"));
  EXPECT_THAT(now, Not(HasSubstr("sql-from-b.corp")));
}

// ----- #11 kill -9 in the middle of a write ----------------------------------------------

// Killed with its temp files half done (in the hsconf folder, then in backups/): the next
// start removes them and says so; nothing else in those folders is touched.
TEST(HostileFs, TempFilesLeftByAKilledAgentAreRemovedAtStart) {
  TempDir tmp;
  const std::string dir = tmp.Sub("os");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string hsconf = dir + "/server.hsconf";
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  ASSERT_EQ(chmod(hsconf.c_str(), 0640), 0);
  WriteFile(dir + "/.other.tmp-keepme", "not ours");  // another program's file
  const std::string backups = tmp.Sub("agent/state/backups");
  for (const char* point : {"backup-temp-written", "hsconf-temp-written"}) {
    SCOPED_TRACE(point);
    std::unique_ptr<Agent> agent;
    {
      PauseAt pause(point);
      agent = StartOn(tmp.Sub("agent"), hsconf);
    }
    std::future<grpc::Status> set =
        SetLater(agent->address(), "sqlnew01.corp", Sha256Hex(original));
    ASSERT_TRUE(WaitFor([&] { return IsStopped(agent->process().pid()); }, kWait));
    agent->process().Stop(SIGKILL);
    set.wait();
    const std::string where = absl::StrContains(point, "backup") ? backups : dir;
    std::vector<std::string> left = TempFiles(where);
    left.erase(std::remove(left.begin(), left.end(), ".other.tmp-keepme"), left.end());
    ASSERT_EQ(left.size(), 1u) << where;
    if (where == dir) {
      EXPECT_EQ(ModeOf(dir + "/" + left[0]), 0640u);  // the original's mode, never wider
    }
    agent = StartOn(tmp.Sub("agent"), hsconf);
    const std::vector<std::string> expected =
        where == dir ? std::vector<std::string>{".other.tmp-keepme"} : std::vector<std::string>{};
    EXPECT_EQ(TempFiles(where), expected);
    EXPECT_THAT(ReadFile(agent->log()), HasSubstr("removed a stale temp file " + where + "/"));
    EXPECT_EQ(ReadFile(hsconf), original);
  }
}

// ----- #12 strict `encrypted` -------------------------------------------------------------

// encrypted="TRUE " or a second encrypted attribute: the file is refused with the element
// and line, never taken as plaintext and overwritten.
TEST(HostileFs, AnEncryptedAttributeThatIsNotPlainTrueOrFalseIsRefused) {
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  const std::string plain = "<Server encrypted=\"false\">SQLPROD01.corp.example.com</Server>";
  ASSERT_THAT(original, HasSubstr(plain));
  for (const std::string& server :
       {std::string("<Server encrypted=\"TRUE \">SQLPROD01.corp.example.com</Server>"),
        std::string("<Server encrypted=\"false\" encrypted=\"true\">SQLPROD01.corp.example.com"
                    "</Server>")}) {
    SCOPED_TRACE(server);
    TempDir tmp;
    const std::string hsconf = tmp.Sub("server.hsconf");
    const std::string bytes = absl::StrReplaceAll(original, {{plain, server}});
    WriteFile(hsconf, bytes);
    auto agent = StartOn(tmp.Sub("agent"), hsconf);
    AgentClient client(agent->address());
    v1::SetEndpointsResponse resp;
    grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "sqlnew01.corp", Sha256Hex(bytes), &resp);
    EXPECT_EQ(set.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << set.error_message();
    EXPECT_THAT(set.error_message(), HasSubstr("<Server> at line 7"));
    EXPECT_THAT(set.error_message(), HasSubstr("encrypted"));
    EXPECT_EQ(ReadFile(hsconf), bytes);
  }
}

}  // namespace
}  // namespace osfleet::testing
