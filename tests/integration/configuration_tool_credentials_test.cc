// The database admin's credentials and the Configuration Tool: they reach the tool (the
// apply step's and the Service Center phase's Apply Settings placeholders) and nothing
// else: no text osfleet writes shows them, in any form a tool may echo them in.
#include "tests/integration/configuration_tool_fixture.h"

namespace osfleet::testing {
namespace {

// Integrated authentication: Apply Settings needs /WithWindowsAuthentication <password>.
// sc run sends it with the phase (--db-admin-credentials), the tool gets it, and no text
// osfleet writes shows it: not osctl's table or JSON, the agent's log or its audit, not
// even a failing tool that echoes its switches.
TEST_F(ConfigurationToolTest, ScRunFillsTheApplySettingsPlaceholderAndShowsItNowhere) {
  ToolSetup setup;
  setup.apply_settings = kWindowsAuthSettings;
  setup.fail_file = tmp_.Sub("tool-fails");
  StartFarm(setup, 1,
            {"--modules", "3", "--settings-applied-file", FarmDir() + "/settings-applied",
             "--flag-after-settings", "Module2:6"});
  const std::string credentials = Credentials(0600, "windows_auth_password");
  WriteFile(setup.fail_file, "fail\n");
  ProcessResult failed = farm_->Osctl({"sc", "run", "--db-admin-credentials", credentials});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.out + failed.err, HasSubstr("Apply Settings to the Factory failed"));
  EXPECT_THAT(failed.out + failed.err, HasSubstr("/WithWindowsAuthentication ***"));
  std::remove(setup.fail_file.c_str());
  ProcessResult ok =
      farm_->Osctl({"--output", "json", "sc", "run", "--db-admin-credentials", credentials});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  const nlohmann::json doc = nlohmann::json::parse(ok.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << ok.out;
  EXPECT_EQ(doc["ok"], true);
  EXPECT_THAT(ok.out, HasSubstr("/WithWindowsAuthentication ***"));

  std::vector<nlohmann::json> runs = Runs("dc01");
  ASSERT_EQ(runs.size(), 2u) << ReadFile(Record("dc01"));
  for (const nlohmann::json& run : runs) {
    EXPECT_EQ(run["switches"].get<std::vector<std::string>>(),
              (std::vector<std::string>{"/ApplySettingsFactory", "/WithWindowsAuthentication",
                                        kPassword}));
  }
  EXPECT_EQ(runs[0]["exit"], 1);
  EXPECT_EQ(runs[1]["exit"], 0);
  EXPECT_EQ(Published(), std::vector<std::string>{"Module2"});  // the settings were applied

  std::string all = failed.out + failed.err + ok.out + ok.err;
  all += ReadFile(farm_->agent("dc01").log());
  const std::string audit = ReadFile(farm_->agent("dc01").dir() + "/state/audit.log");
  all += audit;
  EXPECT_THAT(all, Not(HasSubstr(kPassword)));
  EXPECT_THAT(all, Not(HasSubstr("Pa55-w0rd")));
  EXPECT_THAT(audit, HasSubstr("\"credentials\":\"supplied\""));
}

TEST_F(ConfigurationToolTest, ScRunWithoutTheApplySettingsCredentialIsRefusedBeforeAnythingRuns) {
  ToolSetup setup;
  setup.apply_settings = kWindowsAuthSettings;
  StartFarm(setup, 1);
  // osctl knows from GetInfo: refused before the phase starts (input error, exit 2).
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sc", "run"},
        std::vector<std::string>{"sc", "run", "--db-admin-credentials", Credentials(0600)}}) {
    ProcessResult r = farm_->Osctl(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err,
                HasSubstr("dc01: the Apply Settings step (configuration_tool.apply_settings) "
                          "needs the credential windows_auth_password"));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kPassword)));
  }
  // The agent refuses on its own a client that did not ask: FAILED_PRECONDITION naming it.
  grpc::Status direct = RunPhaseDirectly({{"db_admin_password", kPassword}});
  EXPECT_EQ(direct.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(direct.error_message(),
              HasSubstr("configuration_tool.apply_settings needs the credential "
                        "windows_auth_password, not supplied with this Service Center phase"));
  EXPECT_THAT(direct.error_message(), Not(HasSubstr(kPassword)));
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(Runs("dc01").empty());         // the tool never ran
  EXPECT_TRUE(farm_->ScRequests().empty());  // nor was Service Center asked anything
  // A dry run runs nothing and needs nothing: it shows the step as configured.
  ProcessResult dry = farm_->Osctl({"sc", "run", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("/WithWindowsAuthentication ${windows_auth_password}"));
}

// A rollout gives the Service Center phase the credentials of its apply step, and refuses
// up front (exit 3, nothing changed) when the phase's step names one it was not given.
TEST_F(ConfigurationToolTest, ARolloutForwardsItsCredentialsToTheApplySettingsStep) {
  ToolSetup setup;
  setup.apply_settings = kWindowsAuthSettings;
  StartFarm(setup, 1);
  const std::string before = farm_->Hsconf("dc01");
  std::vector<std::string> args = {"rollout", "apply", "--yes"};
  for (const std::string& m : MoveAll()) args.push_back(m);
  ProcessResult refused = farm_->Osctl(args);
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.out + refused.err,
              HasSubstr("its Service Center phase's Apply Settings step needs "
                        "windows_auth_password"));
  EXPECT_EQ(farm_->Hsconf("dc01"), before);
  EXPECT_TRUE(Runs("dc01").empty());

  args.push_back("--db-admin-credentials");
  args.push_back(Credentials(0600, "windows_auth_password"));
  ProcessResult r = farm_->Osctl(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<nlohmann::json> dc = Runs("dc01");
  ASSERT_EQ(dc.size(), 2u) << ReadFile(Record("dc01"));
  EXPECT_EQ(dc[0]["switches"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"/UpgradeInstall", "/InstallServiceCenter"}));
  EXPECT_EQ(
      dc[1]["switches"].get<std::vector<std::string>>(),
      (std::vector<std::string>{"/ApplySettingsFactory", "/WithWindowsAuthentication", kPassword}));
  const std::string all = r.out + r.err + ReadFile(farm_->agent("dc01").log()) +
                          ReadFile(farm_->agent("dc01").dir() + "/state/audit.log") +
                          farm_->Journal().dump();
  EXPECT_THAT(all, Not(HasSubstr(kPassword)));
}

TEST_F(ConfigurationToolTest, ATextOfTheFailingToolNeverShowsTheCredentials) {
  ToolSetup setup;
  setup.apply =
      "[/SetupInstall, '${db_admin_user}', '${db_admin_password}', '${db_admin_user}', "
      "'${db_admin_password}', /RebuildSession, '${db_admin_user}', '${db_admin_password}']";
  setup.fail_on_address["fe01"] = "{new}";  // echoes its switches, the password among them
  StartFarm(setup, 1);
  ProcessResult r = Apply({"--db-admin-credentials", Credentials(0600)});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  // The tool got them...
  std::vector<nlohmann::json> runs = Runs("fe01");
  ASSERT_GE(runs.size(), 1u);
  EXPECT_EQ(runs[0]["switches"][2], kPassword);
  EXPECT_EQ(runs[0]["switches"][1], "sa");
  // ...and no text osfleet wrote has the password: not its output, the agents' logs, the
  // audit logs or the journal. The audit says they were supplied; the error masks them.
  const std::string all = EverythingWritten(r);
  EXPECT_THAT(all, Not(HasSubstr(kPassword)));
  EXPECT_THAT(all, Not(HasSubstr("Pa55-w0rd")));
  EXPECT_THAT(ReadFile(farm_->agent("dc01").dir() + "/state/audit.log"),
              HasSubstr("\"credentials\":\"supplied\""));
  EXPECT_THAT(r.out + r.err, HasSubstr("***"));
}

// Issue 26, finding 5: a password with '"' and '\' that the tool wrote JSON-escaped in its
// log, in a UTF-16 log, or in lines cut at 512 bytes leaked into osctl's output, the agent
// log and the audit log. Now no form of it is shown anywhere.
class HostileMaskingTest : public ConfigurationToolTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(HostileMaskingTest, NoFormOfAPasswordWithQuotesAndBackslashesIsShown) {
  const std::string password = "Zq\"\\7Pa55-w0rd!SA";
  ToolSetup setup;
  setup.apply = "[/SetupInstall, '${db_admin_user}', '${db_admin_password}', /RebuildSession]";
  setup.fail_on_address["fe01"] = "{new}";
  setup.echo = GetParam();
  StartFarm(setup, 1);
  ProcessResult r = Apply({"--db-admin-credentials", CredentialsWithPassword(password)});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  std::vector<nlohmann::json> runs = Runs("fe01");
  ASSERT_GE(runs.size(), 1u);
  ASSERT_EQ(runs[0]["switches"][2], password);  // the tool got it, and echoed it its way
  const std::string tool_log = ReadFile(FarmDir() + "/fe01.tool.log");
  const std::map<std::string, std::string> echoed = {
      {"json", "Zq\\\"\\\\7Pa55"}, {"utf16", std::string("Z\0q\0\"\0\\\0", 8)}, {"cut", "Zq\"\\"}};
  ASSERT_THAT(tool_log, HasSubstr(echoed.at(GetParam())));
  const std::string all = EverythingWritten(r);
  // The start of the password, as is, JSON-escaped once or twice (a JSON log of a JSON
  // echo), as UTF-16 bytes or as a JSON-escaped UTF-16 text; and its middle.
  for (const std::string& form :
       {std::string("Zq\""), std::string("Zq\\\""), std::string("Zq\\\\\\\""),
        std::string("Z\0q\0", 4), std::string("Z\\u0000q"), std::string("7Pa55")}) {
    const size_t at = all.find(form);
    EXPECT_EQ(at, std::string::npos)
        << "\"" << absl::CHexEscape(form) << "\" shown: ..."
        << absl::CHexEscape(
               all.substr(at == std::string::npos ? 0 : at - std::min<size_t>(at, 80), 200));
  }
  EXPECT_THAT(r.out + r.err, HasSubstr("***"));
}

INSTANTIATE_TEST_SUITE_P(Echo, HostileMaskingTest, ::testing::Values("json", "utf16", "cut"));

TEST_F(ConfigurationToolTest, MissingOrPublicCredentialsChangeNothing) {
  ToolSetup setup;
  setup.apply = "[/SetupInstall, '${db_admin_user}', '${db_admin_password}']";
  StartFarm(setup, 1);
  const std::string before = farm_->Hsconf("dc01");
  // Refused before anything changes (exit 3), naming what is missing.
  ProcessResult missing = Apply({});
  EXPECT_EQ(missing.exit_code, 3) << missing.out << missing.err;
  EXPECT_THAT(missing.out + missing.err,
              HasSubstr("its Configuration Tool switches need db_admin_password, db_admin_user"));
  // The agent itself refuses a change without them, before writing.
  std::vector<std::string> set = {"endpoints", "set", "--restart"};
  for (const std::string& m : MoveAll()) set.push_back(m);
  ProcessResult direct = farm_->Osctl(set);
  EXPECT_NE(direct.exit_code, 0);
  EXPECT_THAT(direct.out + direct.err,
              HasSubstr("configuration_tool.apply needs the credentials db_admin_password, "
                        "db_admin_user, not supplied with this change"));
  ProcessResult open = Apply({"--db-admin-credentials", Credentials(0644)});
  EXPECT_NE(open.exit_code, 0);
  EXPECT_THAT(open.err, HasSubstr("others may read it"));
  EXPECT_THAT(open.err, HasSubstr("chmod 600"));
  EXPECT_EQ(farm_->Hsconf("dc01"), before);
  EXPECT_TRUE(Runs("dc01").empty());  // never run
}

}  // namespace
}  // namespace osfleet::testing
