// `osctl sc run` end to end: osctl -> the Deployment Controller's agent -> the fake
// Service Center (a real HTTP server), in each of the fake's failure modes; with the
// agent's Configuration Tool (the fake one), Apply Settings then only the flagged modules.
// The encrypted password must never appear in any output or log.
// The caps on what Service Center answers and on what osctl reads: sc_run_bounds_test.cc.
#include "tests/integration/sc_run_fixture.h"

namespace osfleet::testing {
namespace {

TEST_F(ScRunTest, RepublishesEveryModule) {
  Start("ok");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 module(s) to republish"));
  EXPECT_THAT(r.out, HasSubstr("finished: 5 module(s)"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 1);
  EXPECT_GE(Count("SolutionPack_GetPublishMessages"), 2);
}

TEST_F(ScRunTest, DryRunPublishesNothing) {
  Start("ok");
  ProcessResult r = Sc({"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("dry run: 5 module(s)"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScRunTest, WarningsAreShownAndCanStopThePhase) {
  Start("warnings");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("warning: "));
  ProcessResult stop = Sc({"--stop-on-warning"});
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_THAT(stop.out, HasSubstr("aborting the publish"));
  EXPECT_EQ(Count("SolutionPack_PublishAbort"), 1);
}

TEST_F(ScRunTest, ErrorsAbortThePublish) {
  Start("errors");
  ProcessResult r = Sc({"--output", "json"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_THAT(doc["error"]["message"].get<std::string>(), HasSubstr("Module3"));
  EXPECT_EQ(Count("SolutionPack_PublishAbort"), 1);
}

TEST_F(ScRunTest, SlowPublishIsFollowedToTheEnd) {
  Start("slow");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(Count("SolutionPack_GetPublishMessages"), 10);
}

TEST_F(ScRunTest, RefusedCredentials) {
  Start("unauthorized");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(ScRunTest, UnreachableServiceCenter) {
  Start("ok", "http://127.0.0.1:" + std::to_string(UnusedPort()));
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("UNAVAILABLE"));
}

TEST_F(ScRunTest, MalformedAnswersAreReportedNotTrusted) {
  Start("malformed-xml");
  ProcessResult xml = Sc({});
  EXPECT_EQ(xml.exit_code, 1);
  EXPECT_THAT(xml.out, Not(HasSubstr("finished")));
}

TEST_F(ScRunTest, MalformedPublishAnswer) {
  Start("malformed-json");
  ProcessResult json = Sc({});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.out, HasSubstr("publishId"));
}

TEST_F(ScRunTest, AppliesSettingsThenRepublishesOnlyTheFlaggedModules) {
  StartWithTool();
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("applying the settings to the factory: "));
  EXPECT_THAT(r.out, HasSubstr("/ApplySettingsFactory"));
  EXPECT_THAT(r.out, HasSubstr("waiting for Service Center"));
  EXPECT_THAT(r.out, HasSubstr("Service Center answers again"));
  EXPECT_THAT(r.out, HasSubstr("2 of 5 module(s) to republish"));
  EXPECT_THAT(r.out, HasSubstr("Module2 (6 outdated references"));
  EXPECT_THAT(r.out, HasSubstr("Module5 (13 not published since the last version update"));
  const std::vector<nlohmann::json> runs = ToolRuns();
  ASSERT_EQ(runs.size(), 1u) << ReadFile(record_);
  EXPECT_EQ(runs[0]["switches"], nlohmann::json({"/ApplySettingsFactory"}));
  EXPECT_EQ(runs[0]["exit"], 0);
  EXPECT_THAT(Published(), ::testing::ElementsAre(nlohmann::json({"Module2", "Module5"})));
  int unavailable = 0;
  for (const auto& req : Requests()) unavailable += req["status"] == 503;
  EXPECT_EQ(unavailable, 2);  // polled through the restart
}

TEST_F(ScRunTest, AFailingToolAbortsThePhaseWithItsOutputAndPublishesNothing) {
  StartWithTool();
  WriteFile(fail_file_, "");
  ProcessResult r = Sc({"--output", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_THAT(doc["error"]["message"].get<std::string>(),
              ::testing::AllOf(HasSubstr("Apply Settings to the Factory failed"),
                               HasSubstr(absl::StrCat("Error: ", fail_file_, " says so")),
                               HasSubstr("nothing was republished")));
  bool reported = false;
  for (const auto& e : doc["events"]) {
    if (e.contains("settingsApplied")) {
      reported = true;
      EXPECT_EQ(e["settingsApplied"]["exitCode"], 1);
      EXPECT_THAT(e["settingsApplied"]["error"].get<std::string>(), HasSubstr("says so"));
    }
  }
  EXPECT_TRUE(reported) << r.out;
  ASSERT_EQ(ToolRuns().size(), 1u);
  EXPECT_TRUE(Published().empty());
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScRunTest, RepublishAllAfterApplySettings) {
  StartWithTool("  republish: all\n");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ToolRuns().size(), 1u);
  ASSERT_EQ(Published().size(), 1u);
  EXPECT_EQ(Published()[0].size(), 5u);
}

TEST_F(ScRunTest, RepublishNoneOnlyAppliesSettings) {
  StartWithTool("  republish: none\n");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ToolRuns().size(), 1u);
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
  EXPECT_THAT(r.out, HasSubstr("finished: nothing to republish (2 of 5 module(s) flagged"));
  EXPECT_THAT(r.out, HasSubstr("flagged by Service Center: Module2"));
}

TEST_F(ScRunTest, DryRunRunsNoToolPublishesNothingAndListsTheFlagged) {
  WriteFile(applied_, "applied earlier\n");  // so Service Center flags them now
  StartWithTool("", /*unavailable=*/0);
  ProcessResult r = Sc({"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("would apply the settings to the factory: "));
  EXPECT_THAT(r.out, HasSubstr("osfleet-fake-configuration-tool"));
  EXPECT_THAT(r.out, HasSubstr("would republish Module2: 6 outdated references"));
  EXPECT_THAT(r.out, HasSubstr("would republish Module5: 13 not published"));
  EXPECT_THAT(r.out, HasSubstr("dry run: 2 module(s) would be republished"));
  EXPECT_TRUE(ToolRuns().empty());
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
  EXPECT_EQ(Count("Modules_Get"), 1);

  ProcessResult json = Sc({"--dry-run", "--output", "json"});
  nlohmann::json doc = nlohmann::json::parse(json.out);
  bool applying = false, listed = false;
  for (const auto& e : doc["events"]) {
    if (e.contains("settingsApplying")) applying = e["settingsApplying"]["dryRun"].get<bool>();
    if (e.contains("modulesListed")) listed = e["modulesListed"]["flagged"].size() == 2;
  }
  EXPECT_TRUE(applying && listed) << json.out;
  EXPECT_TRUE(ToolRuns().empty());
}

TEST_F(ScRunTest, DryRunBeforeSettingsSaysNothingIsFlaggedYet) {
  StartWithTool();
  ProcessResult r = Sc({"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("nothing flagged now"));
  EXPECT_TRUE(ToolRuns().empty());
}

// The names in use on the wire: a line of their own, and the `wire` event in json.
TEST_F(ScRunTest, ShowsTheWireInUse) {
  ScSetup setup;
  setup.fake_args = {"--dialect", "outsystems"};
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("wire: WSDL http://127.0.0.1:", sc_port_,
                                            "/ServiceCenter/PlatformServices_v8_0_0.asmx?WSDL")));
  EXPECT_THAT(r.out, HasSubstr("SolutionPack_GetPublishMessages <SolutionPack_GetPublishMessages>"
                               "(UserName, Password, PublishId, AfterId) action "
                               "\"http://www.outsystems.com/PlatformServices_v8_0_0/"
                               "SolutionPack_GetPublishMessages\""));
  ProcessResult json = Sc({"--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  const nlohmann::json& wire = doc["events"][0]["wire"];
  EXPECT_THAT(wire["source"].get<std::string>(), HasSubstr("WSDL http://127.0.0.1:"));
  ASSERT_EQ(wire["operations"].size(), 3u) << json.out;
  EXPECT_EQ(wire["operations"][0]["name"], "Modules_Get");
  EXPECT_EQ(wire["operations"][0]["inputs"], nlohmann::json({"UserName", "Password"}));
  EXPECT_EQ(wire["operations"][0]["replyList"], "Modules/Module");
  EXPECT_EQ(wire["operations"][1]["replyFinished"], "Finished");
}

// publishId 0: Service Center's reasons on the screen, a non-zero exit, nothing polled.
TEST_F(ScRunTest, ARefusedPublishExitsNonZeroWithItsReasons) {
  Start("refused");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("error: Module3 cannot be published: it references Module9"));
  EXPECT_THAT(r.out, HasSubstr("Fix the references of Module3"));
  EXPECT_THAT(r.out, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(r.out, HasSubstr("Service Center refused the publish"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 1);
  EXPECT_EQ(Count("SolutionPack_GetPublishMessages"), 0);
  EXPECT_EQ(Count("SolutionPack_PublishAbort"), 0);
}

// The agent refuses to start, naming the file and line.
class ScConfigErrorTest : public ScRunTest {
 protected:
  std::string Refusal(const ScSetup& setup) {
    if (!StartFake(setup)) return "the fake Service Center did not start";
    Agent agent(dir(), WriteAgentConfig(setup));
    EXPECT_FALSE(agent.WaitReady()) << "the agent started";
    return ReadFile(agent.log());
  }
};

TEST_F(ScConfigErrorTest, UnknownApplySettingsValue) {
  ScSetup setup;
  setup.sc_keys = "  apply_settings: magic\n";
  EXPECT_THAT(Refusal(setup),
              HasSubstr("agent.yaml:8: service_center: apply_settings: 'magic' is not "
                        "configuration_tool or republish"));
}

TEST_F(ScConfigErrorTest, ConfigurationToolWithoutATool) {
  ScSetup setup;
  setup.sc_keys = "  apply_settings: configuration_tool\n";
  EXPECT_THAT(Refusal(setup),
              ::testing::AllOf(HasSubstr("agent.yaml:8: apply_settings: configuration_tool needs"),
                               HasSubstr("configuration_tool: section")));
}

TEST_F(ScConfigErrorTest, BothPasswordKeys) {
  ScSetup setup;
  setup.sc_keys = absl::StrCat("  password_hash_file: ", dir(), "/sc.encrypted\n");
  setup.password_key = "password_encrypted_file";
  EXPECT_THAT(Refusal(setup), HasSubstr("agent.yaml:8: service_center: password_encrypted_file and "
                                        "password_hash_file (its old name) are both set"));
}

TEST_F(ScConfigErrorTest, WsdlFileThatIsNotAWsdl) {
  ScSetup setup;
  WriteFile(tmp_.Sub("saved.wsdl"), "<html><body>Log in</body></html>\n");
  setup.sc_keys = absl::StrCat("  wsdl_file: ", tmp_.Sub("saved.wsdl"), "\n");
  EXPECT_THAT(Refusal(setup),
              ::testing::AllOf(HasSubstr("agent.yaml:8: service_center: wsdl_file "),
                               HasSubstr("is not a WSDL (its root element is <html>")));
}

TEST(ScRunWithoutConfig, FrontEndDoesNotRunThePhase) {
  TempDir tmp;
  Agent agent(tmp.Sub("dc01"),
              AgentOptions{"dc01", "deployment_controller", "sqlserver-dc.hsconf"});
  ASSERT_TRUE(agent.WaitReady());
  const std::string inv =
      WriteInventory(tmp.Sub("inv.yaml"), {{"dc01", agent.address(), "deployment_controller"}});
  ProcessResult r = RunOsctl({"--inventory", inv, "--insecure", "sc", "run"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("does not run the Service Center phase"));
  const std::string fe_only = WriteInventory(tmp.Sub("fe.yaml"), {{"fe01", agent.address(), "fe"}});
  EXPECT_EQ(RunOsctl({"--inventory", fe_only, "--insecure", "sc", "run"}).exit_code, 2);
}

}  // namespace
}  // namespace osfleet::testing
