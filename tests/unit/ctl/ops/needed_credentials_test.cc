// Which credentials go to an agent: the names its tool reports, nothing else (issue 26,
// finding 6).
#include "ctl/ops/needed_credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet::ctl {
namespace {

CredentialMap All() {
  CredentialMap all;
  all["db_admin_user"] = "sa";
  all["db_admin_password"] = "secret-1";
  all["windows_auth_password"] = "secret-2";
  return all;
}

TEST(NeededCredentials, AnAgentWithoutAToolGetsNone) {
  CredentialMap credentials = All();
  KeepNeeded(v1::AgentInfo(), CredentialUse::kConfigurationTool, &credentials);
  EXPECT_TRUE(credentials.empty());
}

TEST(NeededCredentials, AnAgentGetsOnlyTheNamesItsApplySwitchesUse) {
  v1::AgentInfo info;
  info.add_configuration_tool_credentials("db_admin_user");
  info.add_service_center_credentials("windows_auth_password");
  CredentialMap credentials = All();
  KeepNeeded(info, CredentialUse::kConfigurationTool, &credentials);
  ASSERT_EQ(credentials.size(), 1u);
  EXPECT_EQ(credentials.at("db_admin_user"), "sa");
}

TEST(NeededCredentials, TheServiceCenterPhaseGetsOnlyItsApplySettingsNames) {
  v1::AgentInfo info;
  info.add_configuration_tool_credentials("db_admin_password");
  info.add_service_center_credentials("windows_auth_password");
  CredentialMap credentials = All();
  KeepNeeded(info, CredentialUse::kServiceCenterPhase, &credentials);
  ASSERT_EQ(credentials.size(), 1u);
  EXPECT_EQ(credentials.at("windows_auth_password"), "secret-2");
}

TEST(NeededCredentials, ANameTheAgentReportsButOsctlLacksIsNotMadeUp) {
  v1::AgentInfo info;
  info.add_configuration_tool_credentials("sql_login_password");
  CredentialMap credentials = All();
  KeepNeeded(info, CredentialUse::kConfigurationTool, &credentials);
  EXPECT_TRUE(credentials.empty());
}

}  // namespace
}  // namespace osfleet::ctl
