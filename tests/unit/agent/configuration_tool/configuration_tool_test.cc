// The Configuration Tool's runner, with real child processes (/bin/sh
// scripts standing in for ConfigurationTool.com): switches and placeholders, exit codes,
// the log's new lines, the timeout, and secrets masked everywhere.
#include "agent/configuration_tool/configuration_tool.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "Sup3r-Secret-pw";

class ConfigurationToolTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = tmp_.path(); }

  // A script that logs its arguments to `args`, appends to `log` and runs `body`.
  std::string Script(const std::string& body) {
    const std::string path = dir_ + "/tool.sh";
    std::ofstream(path) << "#!/bin/sh\nprintf '%s\\n' \"$@\" > " << dir_ << "/args\necho 'line of "
                        << "the log' >> " << dir_ << "/tool.log\n"
                        << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
  }
  ConfigurationToolConfig Config(const std::string& body) {
    ConfigurationToolConfig c;
    c.command = {Script(body)};
    c.log_file = dir_ + "/tool.log";
    c.timeout = absl::Seconds(20);
    return c;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_;
};

TEST_F(ConfigurationToolTest, RunsApplyWithTheServiceCenterSwitchWhenAsked) {
  ConfigurationTool tool(Config("echo done; exit 0"));
  ToolRun run = tool.Apply({/*install_service_center=*/true, {}});
  ASSERT_OK(run.status);
  EXPECT_TRUE(run.ran);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(Read("args"), "/UpgradeInstall\n/InstallServiceCenter\n");
  EXPECT_EQ(run.command_line, "tool.sh /UpgradeInstall /InstallServiceCenter");
  EXPECT_EQ(run.output, "done");
  EXPECT_EQ(run.log_tail, "line of the log");  // only what this run added
  EXPECT_THAT(run.Summary(),
              HasSubstr("tool.sh /UpgradeInstall /InstallServiceCenter exited with status 0"));
  run = tool.Apply({});
  EXPECT_EQ(Read("args"), "/UpgradeInstall\n");
  EXPECT_EQ(run.log_tail, "line of the log");  // the log grew by one line again
}

TEST_F(ConfigurationToolTest, ANonZeroExitIsAFailureWithItsOutput) {
  ConfigurationTool tool(
      Config("echo 'Error upgrading the model' >> " + dir_ + "/tool.log; exit 3"));
  ToolRun run = tool.Apply({});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_THAT(run.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(run.status.message(), HasSubstr("exited with status 3"));
  EXPECT_THAT(run.status.message(), HasSubstr("Error upgrading the model"));
}

TEST_F(ConfigurationToolTest, PlaceholdersFilledAndSecretsMaskedEverywhere) {
  ConfigurationToolConfig c =
      Config(absl::StrCat("echo \"got $2 and $3\"; echo \"$3\" >> ", dir_, "/tool.log; exit 1"));
  c.apply = {"/SetupInstall", "${db_admin_user}", "${db_admin_password}"};
  ConfigurationTool tool(c);
  ToolRun run = tool.Apply({false, {{"db_admin_user", "sa"}, {"db_admin_password", kSecret}}});
  EXPECT_EQ(Read("args"), absl::StrCat("/SetupInstall\nsa\n", kSecret, "\n"));  // it got them
  for (const std::string& text : {run.command_line, run.output, run.log_tail,
                                  std::string(run.status.message()), run.Summary()}) {
    EXPECT_THAT(text, Not(HasSubstr(kSecret))) << text;
    EXPECT_THAT(text, Not(HasSubstr("Sup3r-Secret"))) << text;
  }
  EXPECT_EQ(run.command_line, "tool.sh /SetupInstall sa ***");  // a user name is not secret
  EXPECT_THAT(run.output, HasSubstr("got sa and ***"));
}

// A .NET tool's log in UTF-16 (byte order mark first): its new lines are decoded, then
// masked (issue 26, finding 5).
TEST_F(ConfigurationToolTest, AUtf16LogIsDecodedAndMasked) {
  const std::string password = "p\"w\\42-\xC3\xA9t\xC3\xA9";
  const std::string chunk = Utf8ToUtf16(absl::StrCat("login as sa/", password, "\r\n"), false);
  std::ofstream(dir_ + "/tool.log", std::ios::binary)
      << "\xFF\xFE" << Utf8ToUtf16("an older line\r\n", false);
  std::ofstream(dir_ + "/chunk", std::ios::binary) << chunk;
  const std::string script = dir_ + "/utf16.sh";
  std::ofstream(script) << "#!/bin/sh\ncat " << dir_ << "/chunk >> " << dir_ << "/tool.log\n";
  chmod(script.c_str(), 0755);
  ConfigurationToolConfig c;
  c.command = {script};
  c.log_file = dir_ + "/tool.log";
  c.apply = {"/SetupInstall", "${db_admin_user}", "${db_admin_password}"};
  ConfigurationTool tool(c);
  ToolRun run = tool.Apply({false, {{"db_admin_user", "sa"}, {"db_admin_password", password}}});
  EXPECT_OK(run.status);
  EXPECT_EQ(run.log_tail, "login as sa/***");  // only the new line, as UTF-8 text
}

TEST_F(ConfigurationToolTest, AMissingCredentialIsNotRun) {
  ConfigurationToolConfig c = Config("exit 0");
  c.apply = {"/RebuildSession", "${session_user}", "${session_password}"};
  ConfigurationTool tool(c);
  EXPECT_THAT(tool.CheckCredentials({{"session_user", "sa"}}).message(),
              HasSubstr("needs the credential session_password, not supplied"));
  ToolRun run = tool.Apply({false, {{"session_user", "sa"}}});
  EXPECT_FALSE(run.ran);
  EXPECT_THAT(run.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Read("args"), "");  // never started
}

TEST_F(ConfigurationToolTest, ApplySettingsFillsItsPlaceholdersAndMasksThem) {
  ConfigurationToolConfig c = Config("echo \"Error: login failed with $3\" >&2; exit 3");
  c.apply_settings = {"/ApplySettingsFactory", "/WithWindowsAuthentication",
                      "${windows_auth_password}"};
  ConfigurationTool tool(c);
  ToolRun run = tool.ApplySettings({{"windows_auth_password", kSecret}});
  EXPECT_TRUE(run.ran);
  EXPECT_EQ(Read("args"),
            absl::StrCat("/ApplySettingsFactory\n/WithWindowsAuthentication\n", kSecret, "\n"));
  EXPECT_EQ(run.command_line, "tool.sh /ApplySettingsFactory /WithWindowsAuthentication ***");
  for (const std::string& text : {run.command_line, run.output, run.log_tail,
                                  std::string(run.status.message()), run.Summary()}) {
    EXPECT_THAT(text, Not(HasSubstr("Sup3r-Secret"))) << text;
  }
  EXPECT_THAT(run.output, HasSubstr("login failed with ***"));
  EXPECT_THAT(run.status, StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ConfigurationToolTest, ApplySettingsWithoutItsCredentialIsNotRun) {
  ConfigurationToolConfig c = Config("exit 0");
  c.apply_settings = {"/ApplySettingsFactory", "/WithWindowsAuthentication",
                      "${windows_auth_password}"};
  ConfigurationTool tool(c);
  // The apply step's credentials say nothing of apply_settings', and the other way round.
  EXPECT_OK(tool.CheckCredentials({}));
  absl::Status missing = tool.CheckApplySettingsCredentials({{"db_admin_password", kSecret}});
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(missing.message(),
              HasSubstr("configuration_tool.apply_settings needs the credential "
                        "windows_auth_password, not supplied with this Service Center phase"));
  EXPECT_THAT(missing.message(), Not(HasSubstr(kSecret)));
  ToolRun run = tool.ApplySettings({});
  EXPECT_FALSE(run.ran);
  EXPECT_THAT(run.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Read("args"), "");  // never started
  // Without placeholders (the default) nothing is needed.
  EXPECT_OK(ConfigurationTool(Config("exit 0")).CheckApplySettingsCredentials({}));
}

TEST_F(ConfigurationToolTest, ATimeoutStopsIt) {
  ConfigurationToolConfig c = Config("exec sleep 30");
  c.timeout = absl::Milliseconds(300);
  ToolRun run = ConfigurationTool(c).Run({"/ApplySettingsFactory"});
  EXPECT_TRUE(run.timed_out);
  EXPECT_THAT(run.status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(run.status.message(), HasSubstr("ran longer than configuration_tool.timeout"));
  EXPECT_EQ(Read("args"), "/ApplySettingsFactory\n");  // alone
}

TEST_F(ConfigurationToolTest, AProgramThatCannotStartIsReported) {
  ConfigurationToolConfig c;
  c.command = {dir_ + "/no-such-tool"};
  ToolRun run = ConfigurationTool(c).Apply({});
  EXPECT_FALSE(run.ran);
  EXPECT_THAT(run.status.message(), HasSubstr("the Configuration Tool did not run"));
  EXPECT_THAT(run.status.message(), HasSubstr("no-such-tool"));
}

// While it runs, the run is on the activity board with the latest line it logged so far,
// its credentials masked; gone once it ended.
TEST_F(ConfigurationToolTest, WhileItRunsTheBoardShowsItsLatestLogLineMasked) {
  const std::string go = dir_ + "/go";
  ConfigurationToolConfig config =
      Config(absl::StrCat("echo \"upgrading: step 1 with $1\" >> ", dir_,
                          "/tool.log\nprintf 'step 2 with %s\\r\\n\\n' \"$1\" >> ", dir_,
                          "/tool.log\nwhile [ ! -f ", go, " ]; do sleep 0.02; done"));
  config.apply = {"${db_admin_password}"};
  ConfigurationTool tool(config);
  ActivityBoard board;
  tool.set_activity(&board);
  ToolRun run;
  std::thread runner([&] { run = tool.Apply({false, {{"db_admin_password", kSecret}}}); });
  // Until the second line is there (a condition, not a fixed wait).
  std::vector<Activity> now;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (absl::Now() < give_up) {
    now = board.Now();
    if (!now.empty() && absl::StrContains(now[0].last_log_line, "step 2")) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].step, "ConfigurationTool");
  EXPECT_EQ(now[0].detail, "tool.sh ***");
  EXPECT_EQ(now[0].last_log_line, "step 2 with ***");  // the last non-empty line, no \r
  EXPECT_THAT(now[0].last_log_line, Not(HasSubstr(kSecret)));
  std::ofstream(go) << "";
  runner.join();
  ASSERT_OK(run.status);
  EXPECT_TRUE(board.Now().empty());
}

}  // namespace
}  // namespace osfleet::agent
