// The http Service Center driver's Apply Settings mode against real processes: the fake
// Service Center and the fake Configuration Tool (osfleet-fake-configuration-tool) run
// /ApplySettingsFactory, Service Center is waited for while it restarts, and only the
// modules it flags are republished; the phase deadline bounds the tool too.
#include "tests/integration/sc_driver_fixture.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::osfleet::testing::StatusIs;
using Kind = PhaseEvent::Kind;

// /ApplySettingsFactory once, Service Center polled while it "restarts" (503), then only
// the modules it flags republished.
TEST_F(ScDriverTest, AppliesSettingsThenRepublishesOnlyTheFlaggedModules) {
  FakeServiceCenter& sc = StartFlaggingFake({"--unavailable-after-settings", "3"});
  HttpPhaseDriver driver(ApplyingConfig(sc.Url(), agent::Republish::kOutdated));
  absl::StatusOr<PhaseResult> result = Run(driver);
  ASSERT_OK(result);
  EXPECT_TRUE(result->settings_applied);
  EXPECT_EQ(result->modules, 2);
  EXPECT_EQ(result->listed, 5);
  EXPECT_EQ(result->flagged, 2);
  EXPECT_EQ(result->infos, 2 * 2 + 1);
  EXPECT_THAT(Kinds(), ElementsAre(Kind::kApplyingSettings, Kind::kSettingsApplied,
                                   Kind::kWaitingForServiceCenter, Kind::kServiceCenterAnswering,
                                   Kind::kModulesListed, Kind::kPublishStarted));
  EXPECT_THAT(events_[0].settings.command_line, AllOf(HasSubstr("osfleet-fake-configuration-tool"),
                                                      HasSubstr(" /ApplySettingsFactory")));
  EXPECT_EQ(events_[1].settings.exit_code, 0);
  EXPECT_EQ(events_[1].settings.error, "");
  EXPECT_THAT(events_[1].settings.log_tail, HasSubstr("[fake ConfigurationTool] finished"));
  EXPECT_THAT(events_[2].wait.last_error, HasSubstr("503"));
  EXPECT_EQ(events_[3].wait.attempts, 4);  // three 503s, then the answer
  const PhaseEvent& listed = events_[4];
  EXPECT_THAT(Names(listed.modules), ElementsAre("Module2", "Module5"));
  EXPECT_THAT(Names(listed.flagged), ElementsAre("Module2", "Module5"));
  EXPECT_EQ(listed.listed, 5);
  EXPECT_THAT(agent::FlagReasons(listed.modules[0]), HasSubstr("6 outdated references"));
  EXPECT_THAT(agent::FlagReasons(listed.modules[1]),
              HasSubstr("13 not published since the last version update"));

  const std::vector<nlohmann::json> runs = ToolRuns();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["switches"], nlohmann::json({"/ApplySettingsFactory"}));
  EXPECT_EQ(runs[0]["exit"], 0);
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_GetPublishMessages", 1));
  EXPECT_EQ(sc.First("Staging_PublishWith2StepOption")["modules"],
            nlohmann::json({"Module2", "Module5"}));
  // Modules_Get before the tool (nothing flagged yet), three 503s, then the flagged answer.
  std::vector<nlohmann::json> gets;
  for (const nlohmann::json& r : sc.Requests()) {
    if (r["op"] == "Modules_Get") gets.push_back(r);
  }
  ASSERT_EQ(gets.size(), 5u);
  EXPECT_EQ(gets[0]["flagged"], nlohmann::json::array());
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(gets[i]["status"], 503);
  EXPECT_EQ(gets[4]["flagged"], nlohmann::json({"Module2:6", "Module5:13"}));
}

TEST_F(ScDriverTest, AFailingToolAbortsThePhaseAndPublishesNothing) {
  FakeServiceCenter& sc = StartFlaggingFake();
  WriteFile(fail_file_, "");
  HttpPhaseDriver driver(ApplyingConfig(sc.Url(), agent::Republish::kOutdated));
  absl::StatusOr<PhaseResult> result = Run(driver);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("Apply Settings to the Factory failed"),
                    HasSubstr("/ApplySettingsFactory exited with status 1"),
                    HasSubstr(absl::StrCat("Error: ", fail_file_, " says so")),
                    HasSubstr("nothing was republished")));
  EXPECT_THAT(Kinds(), ElementsAre(Kind::kApplyingSettings, Kind::kSettingsApplied));
  EXPECT_EQ(events_[1].settings.exit_code, 1);
  EXPECT_THAT(events_[1].settings.error, HasSubstr("says so"));
  EXPECT_THAT(events_[1].settings.output, HasSubstr("says so"));
  ASSERT_EQ(ToolRuns().size(), 1u);
  EXPECT_EQ(ToolRuns()[0]["exit"], 1);
  ASSERT_TRUE(sc.AwaitCount("Modules_Get", 1));
  EXPECT_EQ(sc.Count("Modules_Get"), 1);  // the one before the tool
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScDriverTest, RepublishAllOrNoneAfterApplySettings) {
  FakeServiceCenter& sc = StartFlaggingFake();
  HttpPhaseDriver all(ApplyingConfig(sc.Url(), agent::Republish::kAll));
  absl::StatusOr<PhaseResult> result = Run(all);
  ASSERT_OK(result);
  EXPECT_EQ(result->modules, 5);
  EXPECT_EQ(result->flagged, 2);
  ASSERT_TRUE(sc.AwaitCount("Staging_PublishWith2StepOption", 1));
  EXPECT_EQ(sc.First("Staging_PublishWith2StepOption")["modules"].size(), 5u);

  HttpPhaseDriver none(ApplyingConfig(sc.Url(), agent::Republish::kNone));
  result = Run(none);
  ASSERT_OK(result);
  EXPECT_TRUE(result->settings_applied);
  EXPECT_EQ(result->modules, 0);
  EXPECT_EQ(result->flagged, 2);
  EXPECT_TRUE(result->publish_id.empty());
  EXPECT_EQ(Kinds().back(), Kind::kModulesListed);
  EXPECT_THAT(Names(events_.back().flagged), ElementsAre("Module2", "Module5"));
  EXPECT_EQ(ToolRuns().size(), 2u);  // once per phase
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 1);
}

TEST_F(ScDriverTest, DryRunRunsNoToolAndListsTheFlaggedModules) {
  WriteFile(settings_applied_, "applied earlier\n");  // Service Center flags them now
  FakeServiceCenter& sc = StartFlaggingFake();
  HttpPhaseDriver driver(ApplyingConfig(sc.Url(), agent::Republish::kOutdated));
  PhaseOptions options;
  options.dry_run = true;
  absl::StatusOr<PhaseResult> result = Run(driver, options);
  ASSERT_OK(result);
  EXPECT_TRUE(result->dry_run);
  EXPECT_FALSE(result->settings_applied);
  EXPECT_EQ(result->modules, 2);
  EXPECT_THAT(Kinds(), ElementsAre(Kind::kApplyingSettings, Kind::kModulesListed));
  EXPECT_TRUE(events_[0].settings.dry_run);
  EXPECT_THAT(events_[0].settings.command_line, HasSubstr("/ApplySettingsFactory"));
  EXPECT_THAT(Names(events_[1].modules), ElementsAre("Module2", "Module5"));
  EXPECT_TRUE(events_[1].dry_run);
  EXPECT_TRUE(ToolRuns().empty());
  ASSERT_TRUE(sc.AwaitCount("Modules_Get", 1));
  EXPECT_EQ(sc.Requests().size(), 2u);  // the WSDL and one Modules_Get, nothing else
}

TEST_F(ScDriverTest, UnknownModuleNamesRunNoTool) {
  FakeServiceCenter& sc = StartFlaggingFake();
  HttpPhaseDriver driver(ApplyingConfig(sc.Url(), agent::Republish::kOutdated));
  PhaseOptions options;
  options.modules = {"NoSuchModule"};
  EXPECT_THAT(Run(driver, options), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(ToolRuns().empty());
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScDriverTest, NamedModulesNarrowWhatIsFlagged) {
  FakeServiceCenter& sc = StartFlaggingFake();
  HttpPhaseDriver driver(ApplyingConfig(sc.Url(), agent::Republish::kOutdated));
  PhaseOptions options;
  options.modules = {"Module1", "Module5"};
  absl::StatusOr<PhaseResult> result = Run(driver, options);
  ASSERT_OK(result);
  EXPECT_EQ(result->listed, 2);
  EXPECT_EQ(result->modules, 1);
  ASSERT_TRUE(sc.AwaitCount("Staging_PublishWith2StepOption", 1));
  EXPECT_EQ(sc.First("Staging_PublishWith2StepOption")["modules"], nlohmann::json({"Module5"}));
}

TEST_F(ScDriverTest, WaitingForServiceCenterEndsAtTheDeadline) {
  FakeServiceCenter& sc = StartFlaggingFake({"--unavailable-after-settings", "100000"});
  HttpPhaseDriver driver(ApplyingConfig(sc.Url(), agent::Republish::kOutdated));
  PhaseOptions options;
  options.deadline = absl::Seconds(1);
  const absl::Time start = absl::Now();
  absl::StatusOr<PhaseResult> result = Run(driver, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(6));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("did not answer within the phase deadline of 1s"),
                    HasSubstr("nothing was republished")));
  EXPECT_EQ(Kinds().back(), Kind::kWaitingForServiceCenter);
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

// The phase deadline bounds the tool too (its own timeout is longer here).
TEST_F(ScDriverTest, TheToolIsStoppedAtThePhaseDeadline) {
  FakeServiceCenter& sc = StartFake("ok");
  HttpDriverConfig config = ApplyingConfig(sc.Url(), agent::Republish::kOutdated);
  config.configuration_tool->command = {"/bin/sh", "-c", "echo applying; sleep 30", "sh"};
  config.configuration_tool->log_file.clear();
  HttpPhaseDriver driver(config);
  PhaseOptions options;
  options.deadline = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  absl::StatusOr<PhaseResult> result = Run(driver, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(result.status().message(), HasSubstr("Apply Settings to the Factory failed"));
  EXPECT_TRUE(events_.back().settings.timed_out);
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScDriverTest, ConfigurationToolModeWithoutAToolIsRefused) {
  FakeServiceCenter& sc = StartFake("ok");
  HttpDriverConfig config = ApplyingConfig(sc.Url(), agent::Republish::kOutdated);
  config.configuration_tool.reset();
  HttpPhaseDriver driver(config);
  absl::Status s = Run(driver).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("no configuration_tool: section"));
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

}  // namespace
}  // namespace osfleet::testing
