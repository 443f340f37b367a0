// After a rollout: which old addresses to look for, and the verdict from the servers'
// answers (the RPC itself: tests/integration/drain_test.cc).
#include "ctl/ops/rollout/drain.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using Reply = HostReply<v1::ConnectionsResponse>;

Journal TwoServers(const std::string& old_platform, const std::string& old_log) {
  Journal j;
  j.options.platform = "db-new,1433";
  for (const char* name : {"fe01", "fe02"}) {
    HostRecord h;
    h.name = name;
    h.old_addresses = {{"platform", old_platform}, {"log", old_log}, {"session", old_platform}};
    j.hosts.push_back(h);
  }
  return j;
}

Reply Answer(std::vector<std::string> endpoints,
             std::vector<std::tuple<uint32_t, std::string, std::string>> connections = {}) {
  Reply r;
  for (const std::string& e : endpoints) r.response.add_endpoints(e);
  int port = 50000;
  for (const auto& [pid, process, remote] : connections) {
    v1::TcpConnection* c = r.response.add_connections();
    c->set_pid(pid);
    c->set_process(process);
    c->set_local(absl::StrCat("10.0.0.21:", port++));
    c->set_remote(remote);
  }
  return r;
}

Reply Failed(const std::string& why) {
  Reply r;
  r.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, why);
  return r;
}

DrainTarget Target(const std::string& old, std::map<std::string, std::string> current) {
  return {"platform", old, std::move(current), ""};
}

TEST(DrainTargetsTest, EachDistinctOldAddressOnceWithTheAddressesInUseNow) {
  Journal j = TwoServers("db-old,1433", "logdb,1433");
  j.options.session = "db-new,1433";
  j.hosts[1].old_addresses["platform"] = "DB-OLD,1433";  // the same name, spelled otherwise
  std::vector<DrainTarget> t = DrainTargets(j);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].database, "platform");
  EXPECT_EQ(t[0].address, "db-old,1433");
  EXPECT_TRUE(t[0].named_by.empty());
  // The new address, and the log address this rollout leaves as it was.
  EXPECT_EQ(t[0].current, (std::map<std::string, std::string>{{"db-new,1433", "platform"},
                                                              {"logdb,1433", "log"}}));
}

TEST(DrainTargetsTest, AnOldAddressADatabaseNotMovedStillNamesCannotBeRetired) {
  Journal j = TwoServers("db-old,1433", "db-old,1433");  // only platform and session move
  j.options.session = "db-new,1433";
  std::vector<DrainTarget> t = DrainTargets(j);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].named_by, "the log address of fe01, fe02");
  DrainAddress a = JudgeDrain(t[0], {}, {}, {});
  EXPECT_FALSE(a.retire);
  EXPECT_FALSE(StillDraining(a));  // waiting cannot change it
  EXPECT_THAT(a.reason, HasSubstr("still the log address of fe01, fe02 (this rollout did not "
                                  "move it) — it cannot be retired"));
}

TEST(DrainTargetsTest, NothingToLookForWhenTheAddressDidNotChange) {
  Journal j = TwoServers("db-new,1433", "logdb,1433");
  EXPECT_TRUE(DrainTargets(j).empty());
}

TEST(JudgeDrainTest, ProcessesStillConnectedAreNamedWithTheCommandThatWaits) {
  const DrainTarget t = Target("db-old,1433", {{"db-new,1433", "platform"}});
  DrainAddress a = JudgeDrain(
      t, {"fe01", "fe02", "fe03"},
      {Answer({"10.0.0.5:1433"}, {{4242, "w3wp.exe", "10.0.0.5:1433"},
                                  {4242, "w3wp.exe", "10.0.0.5:1433"},
                                  {17, "java", "10.0.0.5:1433"}}),
       Answer({"10.0.0.5:1433"}, {{0, "", "10.0.0.5:1433"}}), Answer({"10.0.0.5:1433"})},
      {{Answer({"10.0.0.9:1433"}), Answer({"10.0.0.9:1433"}), Answer({"10.0.0.9:1433"})}});
  EXPECT_FALSE(a.retire);
  EXPECT_TRUE(StillDraining(a));
  EXPECT_EQ(a.reason,
            "still used by 3 process(es) on 2 server(s): fe01 pid 4242 w3wp.exe, fe01 pid 17 "
            "java, fe02 pid unknown — wait (osctl endpoints connections --to db-old,1433 "
            "--wait 10m) or recycle them before retiring it");
  EXPECT_EQ(a.servers[0].count, 3);
  EXPECT_EQ(a.servers[2].count, 0);
  EXPECT_THAT(a.endpoints, ElementsAre("10.0.0.5:1433"));
  EXPECT_TRUE(a.shared.empty());
  EXPECT_EQ(DrainServerText(a, a.servers[0]),
            "3 connection(s) to db-old,1433 (10.0.0.5:1433): pid 4242 w3wp.exe, pid 17 java");
}

TEST(JudgeDrainTest, NoConnectionAnywhereMeansItCanBeRetired) {
  const DrainTarget t = Target("db-old,1433", {{"db-new,1433", "platform"}});
  DrainAddress a =
      JudgeDrain(t, {"fe01", "fe02"}, {Answer({"10.0.0.5:1433"}), Answer({"10.0.0.5:1433"})},
                 {{Answer({"10.0.0.9:1433"}), Answer({"10.0.0.9:1433"})}});
  EXPECT_TRUE(a.retire);
  EXPECT_FALSE(StillDraining(a));
  EXPECT_EQ(a.reason, "no process on any server uses it — it can be retired");
}

// A DNS alias: both names reach 10.0.0.5:1433; the connection there may be either's.
TEST(JudgeDrainTest, ADnsAliasIsNeverReportedAsNoConnection) {
  const DrainTarget t = Target("db-old,1433", {{"db-new,1433", "platform"}});
  DrainAddress a =
      JudgeDrain(t, {"fe01"}, {Answer({"10.0.0.5:1433"}, {{4242, "w3wp.exe", "10.0.0.5:1433"}})},
                 {{Answer({"10.0.0.5:1433", "[fd00::5]:1433"})}});
  EXPECT_TRUE(a.retire);
  EXPECT_EQ(a.servers[0].count, 0);
  EXPECT_EQ(a.servers[0].shared, 1);
  EXPECT_THAT(a.shared, ElementsAre("10.0.0.5:1433"));
  EXPECT_EQ(a.shared_with, "db-new,1433");
  EXPECT_EQ(
      a.reason,
      "cannot be told apart by connections: it and db-new,1433 both resolve to "
      "10.0.0.5:1433 (1 connection(s) to it from the servers now, under either name); "
      "nothing on the servers names the old address any more (server.hsconf changed, services "
      "restarted) — it can be retired once nothing outside the farm uses it");
  EXPECT_THAT(a.reason, Not(HasSubstr("no process")));
}

TEST(JudgeDrainTest, AServerThatCannotTellKeepsItFromBeingRetired) {
  const DrainTarget t = Target("db-old,1433", {{"db-new,1433", "platform"}});
  DrainAddress a =
      JudgeDrain(t, {"fe01", "fe02"}, {Answer({"10.0.0.5:1433"}), Failed("connection refused")},
                 {{Answer({"10.0.0.9:1433"}), Answer({"10.0.0.9:1433"})}});
  EXPECT_FALSE(a.retire);
  EXPECT_TRUE(StillDraining(a));
  EXPECT_THAT(a.reason, HasSubstr("could not ask fe02 (UNAVAILABLE: connection refused) — "
                                  "cannot tell whether it is still used there"));
  EXPECT_THAT(a.reason, HasSubstr("osctl rollout status --check-drained"));
  // Nor can a server that could not resolve the new address to compare.
  DrainAddress b =
      JudgeDrain(t, {"fe01"}, {Answer({"10.0.0.5:1433"})}, {{Failed("db-new: name not found")}});
  EXPECT_FALSE(b.retire);
  EXPECT_THAT(b.servers[0].error, HasSubstr("cannot compare with db-new,1433"));
}

TEST(JudgeDrainTest, ALogDatabaseHintNamesItsDatabaseAndConnectionsAreCapped) {
  DrainTarget t = Target("logold,1433", {{"lognew,1433", "log"}});
  t.database = "log";
  std::vector<std::tuple<uint32_t, std::string, std::string>> many;
  for (uint32_t pid = 1; pid <= 40; ++pid) many.emplace_back(pid, "w3wp.exe", "10.0.0.7:1433");
  DrainAddress a =
      JudgeDrain(t, {"fe01"}, {Answer({"10.0.0.7:1433"}, many)}, {{Answer({"10.0.0.8:1433"})}});
  EXPECT_EQ(a.servers[0].count, 40);
  EXPECT_EQ(a.servers[0].connections.size(), kMaxDrainConnectionsKept);
  EXPECT_THAT(a.reason, HasSubstr("--to logold,1433 --database log --wait 10m"));
  EXPECT_THAT(a.reason, HasSubstr("still used by at least 16 process(es) on 1 server(s)"));
  EXPECT_THAT(a.reason, HasSubstr("and 8 more"));
}

TEST(ParseDrainWaitTest, ADurationWithinADay) {
  absl::StatusOr<DrainOptions> none = ParseDrainWait("");
  ASSERT_OK(none);
  EXPECT_EQ(none->wait, absl::ZeroDuration());
  absl::StatusOr<DrainOptions> ten = ParseDrainWait("10m");
  ASSERT_OK(ten);
  EXPECT_EQ(ten->wait, absl::Minutes(10));
  EXPECT_EQ(ten->wait_text, "10m");
  EXPECT_THAT(ParseDrainWait("25h"), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("--wait-drained: '25h' is outside")));
  EXPECT_THAT(ParseDrainWait("soon"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--wait-drained")));
}

}  // namespace
}  // namespace osfleet::ctl
