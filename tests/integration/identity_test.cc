// Is each inventory entry the server it names? Real agents on loopback (--insecure, where
// no certificate tells servers apart): an inventory with dc01 and fe01 swapped, or with an
// entry that reaches another agent, is refused by every command that changes something
// (exit 2), before anything changes; reading commands still answer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [name, role] :
         {std::pair<std::string, std::string>{"dc01", "deployment_controller"},
          {"fe01", "front_end"},
          {"fe02", "front_end"}}) {
      agents_[name] =
          std::make_unique<Agent>(tmp_.Sub(name), AgentOptions{name, role, "sqlserver-dc.hsconf"});
    }
    for (auto& [name, agent] : agents_) ASSERT_TRUE(agent->WaitReady()) << ReadFile(agent->log());
  }

  std::string Address(const std::string& name) { return agents_.at(name)->address(); }

  // osctl --insecure on an inventory of `entries`.
  ProcessResult Osctl(const std::vector<InventoryEntry>& entries, std::vector<std::string> args) {
    const std::string inventory = WriteInventory(tmp_.Sub("inventory.yaml"), entries);
    args.insert(args.begin(), {BinDir() + "/osctl", "--inventory", inventory, "--insecure"});
    return RunProgram(args, {{"NO_COLOR", "1"}, {"OSFLEET_STATE_DIR", tmp_.Sub("osctl-state")}});
  }

  bool NothingChanged() {
    for (auto& [name, agent] : agents_) {
      if (ReadFile(agent->hsconf()) != ReadFile(FixturePath("sqlserver-dc.hsconf"))) return false;
    }
    return true;
  }

  // Every command that changes something.
  static std::vector<std::vector<std::string>> ChangingCommands() {
    return {{"endpoints", "plan", "--platform", "sqlnew01,1433"},
            {"endpoints", "set", "--platform", "sqlnew01,1433"},
            {"endpoints", "confirm"},
            {"endpoints", "rollback"},
            {"services", "restart"},
            {"services", "stop"},
            {"sc", "run"},
            {"rollout", "plan", "--platform", "sqlnew01,1433", "--skip-service-center"},
            {"rollout", "apply", "--yes", "--platform", "sqlnew01,1433"}};
  }

  TempDir tmp_;
  std::map<std::string, std::unique_ptr<Agent>> agents_;
};

TEST_F(IdentityTest, SwappedDeploymentControllerAndFrontEndAreRefusedEverywhere) {
  const std::vector<InventoryEntry> swapped = {{"dc01", Address("fe01"), "deployment_controller"},
                                               {"fe01", Address("dc01"), "front_end"},
                                               {"fe02", Address("fe02"), "front_end"}};
  for (const std::vector<std::string>& command : ChangingCommands()) {
    SCOPED_TRACE(command[0] + " " + command[1]);
    ProcessResult r = Osctl(swapped, command);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("dc01: the inventory says deployment_controller, its agent "
                                 "(named fe01) says front_end"));
    EXPECT_THAT(r.err, HasSubstr("fe01: the inventory says front_end, its agent (named dc01) "
                                 "says deployment_controller"));
  }
  EXPECT_TRUE(NothingChanged());
  ProcessResult read = Osctl(swapped, {"endpoints", "get"});
  EXPECT_EQ(read.exit_code, 0) << read.err;  // reading needs no identity
}

TEST_F(IdentityTest, AnInsecureEntryReachingAnotherAgentIsRefused) {
  const std::vector<InventoryEntry> wrong = {{"dc01", Address("dc01"), "deployment_controller"},
                                             {"fe01", Address("fe01"), "front_end"},
                                             {"fe02", Address("fe01"), "front_end"}};
  for (const std::vector<std::string>& command : ChangingCommands()) {
    SCOPED_TRACE(command[0] + " " + command[1]);
    ProcessResult r = Osctl(wrong, command);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("fe02: the inventory's address " + Address("fe01") +
                                 " reaches the agent named fe01 (front_end)"));
  }
  EXPECT_TRUE(NothingChanged());
}

TEST_F(IdentityTest, AMatchingInventoryGoesThrough) {
  const std::vector<InventoryEntry> right = {{"dc01", Address("dc01"), "deployment_controller"},
                                             {"fe01", Address("fe01"), "front_end"},
                                             {"fe02", Address("fe02"), "front_end"}};
  ProcessResult r = Osctl(right, {"endpoints", "set", "--platform", "sqlnew01,1433"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(ReadFile(agents_.at("fe02")->hsconf()), HasSubstr("sqlnew01,1433"));
}

}  // namespace
}  // namespace osfleet::testing
