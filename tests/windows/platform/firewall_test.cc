// The Windows Firewall rule through INetFwPolicy2. On Windows (as an administrator) the rule
// is added, replaced, found and removed. Wine 8's hnetcfg creates the policy but answers
// E_NOTIMPL to INetFwRules::Item, Add and Remove: then the Error must name the call and
// its HRESULT (what the MSI log shows), never claim a rule that is not there.
#include "common/platform/firewall.h"

#include <string>

#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

const std::string kName = "osfleet firewall_test";

bool NamesTheCall(const Error& error) {
  const std::string m = error.Message();
  return m.find("INetFw") != std::string::npos && m.find("HRESULT 0x") != std::string::npos;
}

TEST(WindowsFirewall, AddsReplacesAndRemovesTheRuleOrNamesTheCallThatRefused) {
  const FirewallRule rule{kName, "added by firewall_test", 47443};
  Result<void> added = AddFirewallRule(rule);
  if (!added.ok()) {
    EXPECT_TRUE(NamesTheCall(added.error())) << added.error().Message();
    Result<bool> removed = RemoveFirewallRule(kName);
    ASSERT_FALSE(removed.ok()) << "no rule was added, yet one was removed";
    EXPECT_TRUE(NamesTheCall(removed.error())) << removed.error().Message();
    GTEST_SKIP() << "this firewall refused the rule (Wine: not implemented): "
                 << added.error().Message();
  }
  Result<void> again = AddFirewallRule(FirewallRule{kName, "replaced", 47444});
  ASSERT_TRUE(again.ok()) << again.error().Message();
  Result<bool> removed = RemoveFirewallRule(kName);
  ASSERT_TRUE(removed.ok()) << removed.error().Message();
  EXPECT_TRUE(*removed);
  Result<bool> none = RemoveFirewallRule(kName);
  ASSERT_TRUE(none.ok()) << none.error().Message();
  EXPECT_FALSE(*none);
}

}  // namespace
}  // namespace osfleet::platform::testing
