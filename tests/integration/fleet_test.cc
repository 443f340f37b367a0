// osctl driving real osagent processes on loopback: fleet status, endpoints get / plan /
// set, an unreachable host, bad addresses refused with nothing changed anywhere.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/model/hsconf.h"
#include "common/model/revision.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agents_.push_back(std::make_unique<Agent>(
        tmp_.Sub("dc01"), AgentOptions{"dc01", "deployment_controller", "sqlserver-dc.hsconf"}));
    agents_.push_back(std::make_unique<Agent>(
        tmp_.Sub("fe01"), AgentOptions{"fe01", "front_end", "sqlserver-fe-named-instance.hsconf"}));
    agents_.push_back(std::make_unique<Agent>(
        tmp_.Sub("fe02"), AgentOptions{"fe02", "front_end", "azuresql.hsconf"}));
    std::vector<InventoryEntry> entries;
    for (auto& a : agents_) {
      ASSERT_TRUE(a->WaitReady()) << ReadFile(a->log());
      entries.push_back({a->options().name, a->address(), a->options().role, {{"site", "lis"}}});
    }
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"), entries);
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure"});
    return RunOsctl(args);
  }

  std::vector<std::string> Files() {
    std::vector<std::string> out;
    for (auto& a : agents_) out.push_back(ReadFile(a->hsconf()));
    return out;
  }

  TempDir tmp_;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::string inventory_;
};

TEST_F(FleetTest, StatusListsEveryServer) {
  ProcessResult r = Osctl({"fleet", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("dc01"));
  EXPECT_THAT(r.out, HasSubstr("deployment_controller"));
  EXPECT_THAT(r.out, HasSubstr("SQLPROD01\\OUTSYS"));
  EXPECT_THAT(r.out, HasSubstr("3 servers: 3 ok, 0 failed"));
  EXPECT_THAT(r.out, HasSubstr("drift: platform:"));  // the fixtures disagree on purpose
  EXPECT_THAT(r.out, HasSubstr("PLATFORM SERVER"));
}

// Linux agents cannot tell a Platform Server version: the key is there, empty (the Windows
// registry read is tested under Wine, tests/windows/platform/default_paths_test.cc).
TEST_F(FleetTest, StatusAsJsonCarriesThePlatformServerVersion) {
  ProcessResult r = Osctl({"fleet", "status", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["hosts"].size(), 3u);
  for (const nlohmann::json& host : doc["hosts"]) {
    ASSERT_TRUE(host["result"].contains("platformServerVersion")) << host.dump();
    EXPECT_EQ(host["result"]["platformServerVersion"], "");
    EXPECT_FALSE(host["result"]["agentVersion"].get<std::string>().empty());
  }
}

TEST_F(FleetTest, GetAsJsonHasRevisionsAndParsedAddresses) {
  ProcessResult r = Osctl({"endpoints", "get", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["hosts"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(doc["hosts"][i]["result"]["revision"], Sha256Hex(ReadFile(agents_[i]->hsconf())));
  }
  const nlohmann::json& fe01 = doc["hosts"][1]["result"]["endpoints"];
  EXPECT_EQ(fe01[0]["address"], "SQLPROD01\\OUTSYS");
  EXPECT_EQ(fe01[0]["sqlServer"]["instance"], "OUTSYS");
  EXPECT_EQ(fe01[2]["sqlServer"]["port"], 14330);
  EXPECT_EQ(doc["hosts"][2]["result"]["endpoints"][0]["sqlServer"]["tcpPrefix"], true);
  EXPECT_TRUE(doc["notAnswered"].empty());
}

TEST_F(FleetTest, PlanShowsTheDiffAndChangesNothing) {
  const std::vector<std::string> before = Files();
  ProcessResult r = Osctl({"endpoints", "plan", "--platform", "SQLNEW01,1433"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("SQLPROD01\\OUTSYS → SQLNEW01,1433"));
  EXPECT_THAT(r.out, HasSubstr("tcp:os-prod.database.windows.net,1433 → SQLNEW01,1433"));
  EXPECT_EQ(Files(), before);
}

TEST_F(FleetTest, SetChangesOnlyTheAddressesOnEveryServer) {
  const std::vector<std::string> before = Files();
  ProcessResult r = Osctl({"endpoints", "set", "--platform", "tcp:sqlnew.corp.example.com,1433",
                           "--session", "SQLSESS02\\OUTSYS", "--reason", "move to new cluster"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 servers: 3 ok, 0 failed"));
  for (size_t i = 0; i < agents_.size(); ++i) {
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFile(agents_[i]->hsconf()));
    ASSERT_OK(doc);
    EXPECT_EQ(doc->section(DatabaseId::kPlatform).address, "tcp:sqlnew.corp.example.com,1433");
    EXPECT_EQ(doc->section(DatabaseId::kSession).address, "SQLSESS02\\OUTSYS");
    // The Log database was not named: unchanged, byte for byte around it.
    absl::StatusOr<HsconfDocument> old = ParseHsconf(before[i]);
    EXPECT_EQ(doc->section(DatabaseId::kLogging).address,
              old->section(DatabaseId::kLogging).address);
    EXPECT_EQ(doc->bytes.substr(0, 3), before[i].substr(0, 3));  // BOM or '<?x' kept
  }
  ProcessResult backups = Osctl({"endpoints", "backups", "--output", "json"});
  nlohmann::json doc = nlohmann::json::parse(backups.out);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(doc["hosts"][i]["result"]["backups"].size(), 1u);
    EXPECT_EQ(doc["hosts"][i]["result"]["backups"][0]["revision"], Sha256Hex(before[i]));
    EXPECT_THAT(doc["hosts"][i]["result"]["backups"][0]["reason"].get<std::string>(),
                HasSubstr("move to new cluster"));
  }
}

TEST_F(FleetTest, SecondSetIsANoOp) {
  ASSERT_EQ(Osctl({"endpoints", "set", "--log", "SQLLOG9"}).exit_code, 0);
  const std::vector<std::string> after_first = Files();
  ProcessResult r = Osctl({"endpoints", "set", "--log", "SQLLOG9"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("no change"));
  EXPECT_EQ(Files(), after_first);
}

TEST_F(FleetTest, LimitSelectsServers) {
  ProcessResult r = Osctl({"endpoints", "set", "--limit", "role:front_end,!fe02", "--log", "X1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 server: 1 ok, 0 failed"));
  EXPECT_THAT(ReadFile(agents_[1]->hsconf()), HasSubstr(">X1<"));
  EXPECT_THAT(ReadFile(agents_[0]->hsconf()), Not(HasSubstr(">X1<")));
  EXPECT_THAT(ReadFile(agents_[2]->hsconf()), Not(HasSubstr(">X1<")));
  ProcessResult typo = Osctl({"endpoints", "get", "--limit", "fe09"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("'fe09' matches no server"));
}

TEST_F(FleetTest, BadAddressesAreRefusedWithNothingChanged) {
  const std::vector<std::string> before = Files();
  for (const char* bad : {"bad<host", "SQL01,99999", "SQL01\\THIS_INSTANCE_IS_TOO_LONG",
                          "-leading.hyphen", "ora:1521/SVC", "host name"}) {
    ProcessResult r = Osctl({"endpoints", "set", "--platform", bad});
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("changed  "))) << bad;
    EXPECT_EQ(Files(), before) << bad;
  }
  // osctl refuses it itself, before asking any server (the agents check again).
  ProcessResult port = Osctl({"endpoints", "set", "--platform", "SQL01,99999"});
  EXPECT_EQ(port.exit_code, 2);
  EXPECT_THAT(port.err, HasSubstr("--platform: SQL Server address \"SQL01,99999\": port 99999 "
                                  "is outside 1..65535"));
  EXPECT_EQ(port.out, "");
}

TEST_F(FleetTest, UnreachableHostIsReportedAndBlocksSet) {
  std::vector<InventoryEntry> entries;
  for (auto& a : agents_) entries.push_back({a->options().name, a->address(), a->options().role});
  entries.push_back({"ghost", "127.0.0.1:" + std::to_string(UnusedPort()), "front_end"});
  inventory_ = WriteInventory(tmp_.Sub("with-ghost.yaml"), entries);
  ProcessResult status = Osctl({"fleet", "status", "--timeout", "3s"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.out, HasSubstr("did not answer (1): ghost"));
  EXPECT_THAT(status.out, HasSubstr("4 servers: 3 ok, 1 failed"));
  ProcessResult json = Osctl({"endpoints", "get", "--output", "json", "--timeout", "3s"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(json.out)["notAnswered"], nlohmann::json::array({"ghost"}));
  const std::vector<std::string> before = Files();
  ProcessResult set = Osctl({"endpoints", "set", "--platform", "SQLNEW", "--timeout", "3s"});
  EXPECT_EQ(set.exit_code, 3);
  EXPECT_THAT(set.out, HasSubstr("nothing was changed on any server"));
  EXPECT_EQ(Files(), before);
}

TEST_F(FleetTest, DryRunEqualsPlan) {
  const std::vector<std::string> before = Files();
  ProcessResult r = Osctl({"endpoints", "set", "--dry-run", "--platform", "SQLNEW"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("planned"));
  EXPECT_EQ(Files(), before);
}

TEST_F(FleetTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Osctl({"endpoints", "set"}).exit_code, 2);  // no address given
  EXPECT_EQ(Osctl({"endpoints", "get", "--output", "xml"}).exit_code, 2);
  EXPECT_EQ(Osctl({"endpoints", "get", "--timeout", "soon"}).exit_code, 2);
  EXPECT_EQ(RunOsctl({"--inventory", tmp_.Sub("missing.yaml"), "fleet", "status"}).exit_code, 2);
  EXPECT_EQ(RunOsctl({"frobnicate"}).exit_code, 2);
}

}  // namespace
}  // namespace osfleet::testing
