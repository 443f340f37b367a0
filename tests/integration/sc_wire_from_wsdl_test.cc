// The http Service Center driver learns its wire from the WSDL: every dialect the fake
// speaks, a saved wsdl_file, the conventions when there is no WSDL, and osctl doctor's
// read-only Check. Real processes (tests/fakes/fake_service_center.py).
#include "tests/integration/sc_driver_fixture.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::osfleet::testing::StatusIs;

// ---- the wire from the WSDL: every dialect the fake speaks ---------------------------

// The requests of one operation that Service Center accepted (credentials read).
std::vector<nlohmann::json> Accepted(const FakeServiceCenter& sc, const std::string& op) {
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& r : sc.Requests()) {
    if (r["op"] == op && r["auth_ok"] == true) out.push_back(r);
  }
  return out;
}

class ScDialectTest : public ScDriverTest, public ::testing::WithParamInterface<std::string> {
 protected:
  FakeServiceCenter& StartDialect(const std::string& mode) {
    return StartFake(mode, {"--dialect", GetParam()});
  }
  std::string SoapVersion() const { return GetParam() == "soap12" ? "1.2" : "1.1"; }
};

TEST_P(ScDialectTest, RepublishesFromTheWsdlAlone) {
  FakeServiceCenter& sc = StartDialect("ok");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  ASSERT_OK(result);
  EXPECT_EQ(result->infos, 11);
  ASSERT_TRUE(wire_.has_value());
  EXPECT_EQ(wire_->wire.source,
            absl::StrCat("WSDL ", sc.Url(), "/ServiceCenter/PlatformServices_v8_0_0.asmx?WSDL"));
  EXPECT_EQ(wire_->wire_note, "");
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_GetPublishMessages", 2));
  EXPECT_EQ(sc.Count("WSDL"), 1);  // once per phase
  for (const nlohmann::json& r : sc.Requests()) {
    if (r["op"] == "WSDL" || r["op"] == "Staging_PublishWith2StepOption") continue;
    EXPECT_EQ(r["soap"], SoapVersion()) << r.dump();
    EXPECT_EQ(r["auth_ok"], true) << r.dump();  // the WSDL's names: user and password read
    EXPECT_EQ(r["status"], 200) << r.dump();
  }
  for (const nlohmann::json& r : Accepted(sc, "SolutionPack_GetPublishMessages")) {
    EXPECT_EQ(r["publishId"], 42) << r.dump();  // never publication 0
  }
}

TEST_P(ScDialectTest, AFailingPublicationIsAbortedByItsId) {
  FakeServiceCenter& sc = StartDialect("errors");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("publish 42"), HasSubstr("Module3: failed to compile"),
                    HasSubstr("unknown identifier 'SettingsValue'"), HasSubstr("aborted it")));
  EXPECT_EQ(result.status().message().find("could not abort"), absl::string_view::npos);
  EXPECT_EQ(events_.back().kind, PhaseEvent::Kind::kAborting);
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_PublishAbort", 1));
  const std::vector<nlohmann::json> aborts = Accepted(sc, "SolutionPack_PublishAbort");
  ASSERT_EQ(aborts.size(), 1u);
  EXPECT_EQ(aborts[0]["publishId"], 42);  // the fake's log: the id Service Center returned
  for (const nlohmann::json& r : Accepted(sc, "SolutionPack_GetPublishMessages")) {
    EXPECT_EQ(r["publishId"], 42);
  }
}

TEST_P(ScDialectTest, ARefusedPublishShowsItsMessagesAndPollsNothing) {
  FakeServiceCenter& sc = StartDialect(GetParam() == "outsystems" ? "refused-bare" : "refused");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("Service Center refused the publish"),
                    HasSubstr("Module3 cannot be published: it references Module9"),
                    HasSubstr("Fix the references of Module3"),
                    HasSubstr("The publication was not started"),
                    HasSubstr("nothing was published, polled or aborted")));
  std::vector<std::string> shown;
  for (const PhaseEvent& e : events_) {
    if (e.kind == PhaseEvent::Kind::kMessage) shown.push_back(e.message.message);
  }
  EXPECT_THAT(shown, ElementsAre(HasSubstr("Module3 cannot be published"),
                                 "The publication was not started"));
  EXPECT_EQ(CountEvents(PhaseEvent::Kind::kPublishStarted), 0);
  ASSERT_TRUE(sc.AwaitCount("Staging_PublishWith2StepOption", 1));
  EXPECT_EQ(sc.Count("SolutionPack_GetPublishMessages"), 0);
  EXPECT_EQ(sc.Count("SolutionPack_PublishAbort"), 0);
}

INSTANTIATE_TEST_SUITE_P(Dialects, ScDialectTest,
                         ::testing::Values("dotnet", "outsystems", "soap12"));

// A farm that hides its WSDL: a saved copy (wsdl_file:) gives the names; ?WSDL is not asked.
TEST_F(ScDriverTest, WsdlFileGivesTheNamesWhenTheServerHidesIt) {
  FakeServiceCenter& sc = StartFake("errors", {"--dialect", "outsystems", "--no-wsdl"});
  HttpDriverConfig config = Config(sc.Url());
  config.wsdl_file = std::string(OSFLEET_SOURCE_DIR) + "/tests/fixtures/wsdl/outsystems.wsdl";
  HttpPhaseDriver driver(config);
  absl::StatusOr<PhaseResult> result = Run(driver);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), AllOf(HasSubstr("publish 42"), HasSubstr("aborted it")));
  ASSERT_TRUE(wire_.has_value());
  EXPECT_EQ(wire_->wire.source, absl::StrCat("wsdl_file ", config.wsdl_file));
  EXPECT_THAT(wire_->wire.get_publish_messages.inputs,
              ElementsAre("UserName", "Password", "PublishId", "AfterId"));
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_PublishAbort", 1));
  EXPECT_EQ(sc.Count("WSDL"), 0);
  EXPECT_EQ(Accepted(sc, "SolutionPack_PublishAbort")[0]["publishId"], 42);

  config.wsdl_file = tmp_.Sub("missing.wsdl");
  HttpPhaseDriver missing(config);
  absl::Status status = Run(missing).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), AllOf(HasSubstr("wsdl_file"), HasSubstr("missing.wsdl")));
}

// No WSDL anywhere: today's conventions, and the wire event says so and why.
TEST_F(ScDriverTest, WithoutAWsdlTheConventionsAreUsedAndSaidSo) {
  FakeServiceCenter& sc = StartFake("ok", {"--no-wsdl"});
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  ASSERT_OK(result);
  ASSERT_TRUE(wire_.has_value());
  EXPECT_EQ(wire_->wire.source, "conventions");
  EXPECT_THAT(wire_->wire_note,
              AllOf(HasSubstr("?WSDL answered HTTP 404"), HasSubstr("using osfleet's conventions"),
                    HasSubstr("wsdl_file")));
  EXPECT_EQ(wire_->wire.modules_get.action, "http://www.outsystems.com/Modules_Get");
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_GetPublishMessages", 1));
  EXPECT_EQ(Accepted(sc, "SolutionPack_GetPublishMessages")[0]["publishId"], 42);
}

// The conventions against a Service Center that names things otherwise fail at the first
// call, before anything is published.
TEST_F(ScDriverTest, ConventionsThatDoNotMatchFailBeforePublishing) {
  FakeServiceCenter& sc = StartFake("ok", {"--dialect", "outsystems", "--no-wsdl"});
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("Modules_Get"), HasSubstr("SOAP fault"), HasSubstr("SOAPAction")));
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

// ---- HttpPhaseDriver::Check: osctl doctor's Service Center rows -------------------

std::string Rows(const std::vector<agent::CheckRow>& rows) {
  std::string out;
  for (const agent::CheckRow& r : rows) {
    absl::StrAppend(&out, r.check, " ", static_cast<int>(r.level), " ", r.reason, "\n");
  }
  return out;
}

TEST_F(ScDriverTest, CheckAHealthyServiceCenterReadsOnly) {
  FakeServiceCenter& sc = StartFlaggingFake();
  WriteFile(settings_applied_, "applied earlier\n");  // Module2 and Module5 flagged
  HttpPhaseDriver driver(Config(sc.Url()));
  const std::vector<agent::CheckRow> rows =
      driver.Check(absl::Now() + absl::Seconds(20), CancelToken());
  ASSERT_EQ(rows.size(), 3u) << Rows(rows);
  EXPECT_EQ(rows[0].check, "service_center.url");
  EXPECT_EQ(rows[0].level, agent::CheckLevel::kOk) << Rows(rows);
  EXPECT_THAT(rows[0].reason, HasSubstr("HTTP 200 to GET"));
  EXPECT_EQ(rows[1].check, "service_center.wsdl");
  EXPECT_EQ(rows[1].level, agent::CheckLevel::kOk) << Rows(rows);
  EXPECT_THAT(
      rows[1].reason,
      AllOf(HasSubstr("WSDL http://127.0.0.1"), HasSubstr("Modules_Get: SOAP 1.1"),
            HasSubstr("SolutionPack_GetPublishMessages"), HasSubstr("SolutionPack_PublishAbort")));
  EXPECT_EQ(rows[2].check, "service_center.modules_get");
  EXPECT_EQ(rows[2].level, agent::CheckLevel::kOk) << Rows(rows);
  EXPECT_THAT(rows[2].reason, HasSubstr("5 modules, 2 flagged (6/13)"));
  ExpectNoSecret(Rows(rows));
  for (const nlohmann::json& r : sc.Requests()) {
    EXPECT_TRUE(r["op"] == "WSDL" || r["op"] == "Modules_Get") << r.dump();  // read-only
  }
  EXPECT_EQ(sc.Requests().size(), 2u);
}

TEST_F(ScDriverTest, CheckNamesTheUserAWrongPasswordAndAMissingFile) {
  WriteHash("#not-the-password\n", 0600);
  FakeServiceCenter& sc = StartFake("ok", {"--dialect", "outsystems"});
  HttpPhaseDriver driver(Config(sc.Url()));
  std::vector<agent::CheckRow> rows = driver.Check(absl::Now() + absl::Seconds(20), CancelToken());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].level, agent::CheckLevel::kOk) << Rows(rows);
  EXPECT_EQ(rows[2].level, agent::CheckLevel::kFail) << Rows(rows);
  EXPECT_THAT(rows[2].reason, HasSubstr("refused the credentials of user osfleet-admin"));

  HttpDriverConfig config = Config(sc.Url());
  config.password_encrypted_file = tmp_.Sub("no-such.encrypted");
  HttpPhaseDriver no_file(config);
  rows = no_file.Check(absl::Now() + absl::Seconds(20), CancelToken());
  EXPECT_EQ(rows[2].level, agent::CheckLevel::kFail) << Rows(rows);
  EXPECT_THAT(rows[2].reason, HasSubstr("no-such.encrypted"));
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScDriverTest, CheckWarnsForConventionsAndFailsWhenNothingAnswers) {
  FakeServiceCenter& sc = StartFake("ok", {"--no-wsdl"});
  HttpPhaseDriver driver(Config(sc.Url()));
  std::vector<agent::CheckRow> rows = driver.Check(absl::Now() + absl::Seconds(20), CancelToken());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].level, agent::CheckLevel::kOk) << Rows(rows);
  EXPECT_EQ(rows[1].level, agent::CheckLevel::kWarn) << Rows(rows);
  EXPECT_THAT(rows[1].reason, AllOf(HasSubstr("HTTP 404"), HasSubstr("conventions")));
  EXPECT_EQ(rows[2].level, agent::CheckLevel::kOk) << Rows(rows);

  HttpPhaseDriver nowhere(Config(absl::StrCat("http://127.0.0.1:", UnusedPort())));
  rows = nowhere.Check(absl::Now() + absl::Seconds(20), CancelToken());
  ASSERT_EQ(rows.size(), 3u);
  for (const agent::CheckRow& r : rows) EXPECT_EQ(r.level, agent::CheckLevel::kFail) << Rows(rows);
  EXPECT_THAT(rows[0].reason, HasSubstr("does not answer"));
}

}  // namespace
}  // namespace osfleet::testing
