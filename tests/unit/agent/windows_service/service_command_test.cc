#include "agent/windows_service/service_command.h"

#include "gtest/gtest.h"

namespace osfleet::agent {
namespace {

TEST(ServiceModeTest, AccountsWindowsRunsWithoutAPassword) {
  for (const char* account :
       {"", "LocalSystem", ".\\LocalSystem", "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\NetworkService",
        "NT AUTHORITY\\Network Service", "nt authority\\localservice", "NT SERVICE\\osagent",
        "CORP\\svc-osagent$"}) {
    EXPECT_TRUE(AccountNeedsNoPassword(account)) << account;
  }
}

TEST(ServiceModeTest, UserAccountsNeedAPasswordOsagentDoesNotTake) {
  for (const char* account :
       {"CORP\\alice", "alice", ".\\osagent", "NT SERVICE\\", "svc$", "alice@corp.example.com"}) {
    EXPECT_FALSE(AccountNeedsNoPassword(account)) << account;
  }
}

}  // namespace
}  // namespace osfleet::agent
