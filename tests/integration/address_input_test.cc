// Bad database addresses are refused by osctl itself, before any server is asked (exit 2),
// with what to write instead: the inventory's servers here do not exist, so a command
// that asked them would end otherwise (servers unreachable: exit 1 or 3).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AddressInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inventory_ =
        WriteInventory(tmp_.Sub("inventory.yaml"),
                       {{"dc01", absl::StrCat("127.0.0.1:", UnusedPort()), "deployment_controller"},
                        {"fe01", absl::StrCat("127.0.0.1:", UnusedPort()), "front_end"}});
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {BinDir() + "/osctl", "--inventory", inventory_, "--insecure", "--timeout", "2s"});
    return RunProgram(args, {{"NO_COLOR", "1"}, {"OSFLEET_STATE_DIR", tmp_.Sub("osctl-state")}});
  }

  // Every command that takes the address flags, with `flag` set to `address`.
  static std::vector<std::vector<std::string>> Commands(const std::string& flag,
                                                        const std::string& address) {
    return {{"endpoints", "plan", flag, address},
            {"endpoints", "set", flag, address},
            {"endpoints", "set", "--dry-run", flag, address},
            {"probe", flag, address},
            {"rollout", "plan", flag, address},
            {"rollout", "apply", "--yes", flag, address}};
  }

  void ExpectRefusedUnasked(const std::string& flag, const std::string& address,
                            const std::string& message) {
    for (const std::vector<std::string>& command : Commands(flag, address)) {
      SCOPED_TRACE(command[0] + " " + command[1] + " " + address);
      ProcessResult r = Osctl(command);
      EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
      EXPECT_THAT(r.err, HasSubstr(message));
      EXPECT_THAT(r.err + r.out, Not(HasSubstr("reachable")));
      EXPECT_THAT(r.err + r.out, Not(HasSubstr("UNAVAILABLE")));
    }
  }

  TempDir tmp_;
  std::string inventory_;
};

TEST_F(AddressInputTest, HostColonPortGetsTheCommaForm) {
  ExpectRefusedUnasked("--platform", "sqlprod01:1433",
                       "--platform: SQL Server address \"sqlprod01:1433\": SQL Server takes the "
                       "port after a comma: host,port; write \"sqlprod01,1433\"");
}

TEST_F(AddressInputTest, NamedPipesAndSharedMemoryAreRefused) {
  ExpectRefusedUnasked("--log", "np:sqlprod01",
                       "--log: SQL Server address \"np:sqlprod01\": named pipes and shared "
                       "memory cannot be used by a farm");
  ExpectRefusedUnasked("--session", "lpc:sqlprod01", "named pipes and shared memory");
}

TEST_F(AddressInputTest, MessagesShowTheAddressAsTyped) {
  ExpectRefusedUnasked("--platform", "sqlprod01\\1NST",
                       "SQL Server address \"sqlprod01\\1NST\": '1' at position 1 of instance "
                       "name \"1NST\"");
}

// The same inventory with a good address does ask the servers (and fails on them): the
// refusals above came before any contact.
TEST_F(AddressInputTest, AGoodAddressIsSentToTheServers) {
  ProcessResult plan = Osctl({"endpoints", "plan", "--platform", "sqlprod01,1433"});
  EXPECT_EQ(plan.exit_code, 1) << plan.out << plan.err;
  ProcessResult rollout = Osctl({"rollout", "plan", "--platform", "[::1],1433"});
  EXPECT_EQ(rollout.exit_code, 3) << rollout.out << rollout.err;
}

}  // namespace
}  // namespace osfleet::testing
