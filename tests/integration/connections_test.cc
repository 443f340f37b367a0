// osctl endpoints connections against a real agent: a child process (bash, then `sleep`
// holding the descriptor) keeps a TCP connection to a fake SQL Server; it is listed with
// its pid until it is killed. --wait polls until it is gone, synchronised on osctl's own
// progress line on stderr, never on a sleep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "tests/integration/harness.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<FakeDatabase>(tmp_.Sub("db"), "15.0.4153.1", "OUTSYS");
    ASSERT_TRUE(db_->WaitReady());
    const std::string dir = tmp_.Sub("fe01");
    mkdir(dir.c_str(), 0755);
    WriteFile(dir + "/agent.yaml",
              absl::StrCat("probe: {timeout: 2s, sql_browser_port: ", db_->browser_port(), "}\n"));
    AgentOptions options{"fe01", "front_end"};
    options.extra_args = {"--config", dir + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ =
        WriteInventory(tmp_.Sub("inventory.yaml"), {{"fe01", agent_->address(), "front_end"}});
  }

  // A process holding one connection to the fake database: bash connects, says so, then
  // becomes `sleep` (same pid) with the connection on descriptor 3.
  std::unique_ptr<ChildProcess> HoldConnection() {
    const std::string log = tmp_.Sub("holder.log");
    auto holder = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/bin/bash", "-c",
                                 absl::StrCat("exec 3<>/dev/tcp/127.0.0.1/", db_->port(),
                                              " && echo connected && exec sleep 600")},
        log);
    EXPECT_TRUE(WaitFor([&] { return ReadFile(log).find("connected") != std::string::npos; },
                        absl::Seconds(10)));
    return holder;
  }

  // osctl's global flags (`globals`: -o, --timeout), then the command's.
  std::vector<std::string> Args(std::vector<std::string> args,
                                std::vector<std::string> globals = {}) {
    globals.insert(globals.begin(), {"--inventory", inventory_, "--insecure"});
    globals.insert(globals.end(), {"endpoints", "connections"});
    args.insert(args.begin(), globals.begin(), globals.end());
    return args;
  }

  TempDir tmp_;
  std::unique_ptr<FakeDatabase> db_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_;
};

TEST_F(ConnectionsTest, AHeldConnectionIsListedWithItsPidUntilItsProcessDies) {
  std::unique_ptr<ChildProcess> holder = HoldConnection();
  ProcessResult held = RunOsctl(Args({"--to", db_->address()}));
  EXPECT_EQ(held.exit_code, 1) << held.out << held.err;
  EXPECT_THAT(held.out, HasSubstr("SERVER  PID"));
  EXPECT_THAT(held.out, HasSubstr(absl::StrCat("fe01    ", holder->pid(), "  sleep")));
  EXPECT_THAT(held.out, HasSubstr("1 connection(s) to " + db_->address() + " remain on 1"));

  // The named instance's port comes from the SQL Server Browser, as a client finds it.
  ProcessResult json = RunOsctl(Args({"--to", "127.0.0.1\\OUTSYS"}, {"-o", "json"}));
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  const nlohmann::json doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << json.out;
  ASSERT_EQ(doc["rows"].size(), 1u) << json.out;
  EXPECT_EQ(doc["rows"][0]["server"], "fe01");
  EXPECT_EQ(doc["rows"][0]["pid"], holder->pid());
  EXPECT_EQ(doc["rows"][0]["process"], "sleep");
  EXPECT_EQ(doc["rows"][0]["remote"], absl::StrCat("127.0.0.1:", db_->port()));
  EXPECT_EQ(doc["hosts"][0]["result"]["endpoints"][0], absl::StrCat("127.0.0.1:", db_->port()));

  holder->Stop(SIGKILL);
  ProcessResult gone = RunOsctl(Args({"--to", db_->address()}));
  EXPECT_EQ(gone.exit_code, 0) << gone.out << gone.err;
  EXPECT_THAT(gone.out, HasSubstr("no connection to " + db_->address() + " on: fe01 (127.0.0.1:"));
  EXPECT_THAT(gone.out, Not(HasSubstr("sleep")));
}

TEST_F(ConnectionsTest, WaitReturnsOnceTheLastConnectionIsGone) {
  std::unique_ptr<ChildProcess> holder = HoldConnection();
  const std::string log = tmp_.Sub("osctl.log");
  std::vector<std::string> argv = Args({"--to", db_->address(), "--wait", "60s"});
  argv.insert(argv.begin(), BinDir() + "/osctl");
  ChildProcess osctl(argv, log);
  // osctl's first poll found the connection and said so: only then does it go.
  ASSERT_TRUE(WaitFor(
      [&] { return ReadFile(log).find("remain on 1 server(s); waiting") != std::string::npos; },
      absl::Seconds(30)))
      << ReadFile(log);
  holder->Stop(SIGKILL);
  EXPECT_EQ(osctl.Wait(), 0) << ReadFile(log);
  EXPECT_THAT(ReadFile(log), HasSubstr("no connection to " + db_->address() + " on: fe01"));
}

TEST_F(ConnectionsTest, WaitGivesUpWithExit1WhileTheConnectionStays) {
  std::unique_ptr<ChildProcess> holder = HoldConnection();
  ProcessResult waited = RunOsctl(Args({"--to", db_->address(), "--wait", "1500ms"}));
  EXPECT_EQ(waited.exit_code, 1) << waited.out << waited.err;
  EXPECT_THAT(waited.err, HasSubstr("1 connection(s) to " + db_->address() + " remain"));
  EXPECT_THAT(waited.out, HasSubstr(absl::StrCat(holder->pid(), "  sleep")));
}

TEST_F(ConnectionsTest, BadInputAndUnreachableServersExitAsOtherCommandsDo) {
  ProcessResult bad = RunOsctl(Args({"--to", "db01:1433"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--to: "));
  // The agent reads the address for the Platform section's provider (SQL Server here).
  ProcessResult oracle = RunOsctl(Args({"--to", "ora01:1521/OSSVC"}));
  EXPECT_EQ(oracle.exit_code, 2) << oracle.out << oracle.err;
  EXPECT_THAT(oracle.out, HasSubstr("is not a SQL Server address"));

  inventory_ = WriteInventory(tmp_.Sub("two.yaml"),
                              {{"fe01", agent_->address(), "front_end"},
                               {"fe02", absl::StrCat("127.0.0.1:", UnusedPort()), "front_end"}});
  ProcessResult partly = RunOsctl(Args({"--to", db_->address()}, {"--timeout", "2s"}));
  EXPECT_EQ(partly.exit_code, 1) << partly.out << partly.err;
  EXPECT_THAT(partly.out, HasSubstr("fe02"));
}

}  // namespace
}  // namespace osfleet::testing
