// The Service Center drivers against real processes: HttpPhaseDriver against the fake
// Service Center (tests/fakes/fake_service_center.py, over HTTP and HTTPS), and
// CommandPhaseDriver running /bin/sh scripts. The encrypted password must never show.
// Apply Settings (the fake Configuration Tool): sc_apply_settings_test.cc. The wire from
// the WSDL and doctor's check: sc_wire_from_wsdl_test.cc.
#include "tests/integration/sc_driver_fixture.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::osfleet::testing::StatusIs;

TEST_F(ScDriverTest, RepublishesEveryModule) {
  FakeServiceCenter& sc = StartFake("ok");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  ASSERT_OK(result);
  EXPECT_EQ(result->publish_id, "42");
  EXPECT_EQ(result->modules, 5);
  EXPECT_EQ(result->infos, 2 * 5 + 1);  // "Publishing M", "M published successfully", end
  EXPECT_EQ(result->warnings, 0);
  EXPECT_EQ(result->errors, 0);
  EXPECT_FALSE(result->aborted);
  ASSERT_GE(events_.size(), 2u);
  EXPECT_EQ(events_[0].kind, PhaseEvent::Kind::kModulesListed);
  EXPECT_EQ(events_[0].modules.size(), 5u);
  EXPECT_EQ(events_[1].kind, PhaseEvent::Kind::kPublishStarted);
  EXPECT_EQ(events_[1].publish_id, "42");
  EXPECT_EQ(CountEvents(PhaseEvent::Kind::kMessage), 11);
  EXPECT_EQ(events_.back().message.message, "Publish finished");
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_GetPublishMessages", 2));
  EXPECT_EQ(sc.Count("SolutionPack_PublishAbort"), 0);
  EXPECT_EQ(sc.First("Modules_Get")["soap"], "1.1");
  EXPECT_EQ(sc.First("Staging_PublishWith2StepOption")["modules"].size(), 5u);
  EXPECT_THAT(ReadFile(tmp_.Sub("sc.log")), Not(HasSubstr(kHash)));
}

TEST_F(ScDriverTest, SpeaksSoap12Too) {
  FakeServiceCenter& sc = StartFake("ok", {"--dialect", "soap12"});
  HttpPhaseDriver driver(Config(sc.Url()));
  absl::StatusOr<PhaseResult> result = Run(driver);
  ASSERT_OK(result);
  EXPECT_EQ(result->infos, 11);
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_GetPublishMessages", 2));
  for (const nlohmann::json& r : sc.Requests()) EXPECT_NE(r["soap"], "1.1");
  EXPECT_EQ(sc.First("Modules_Get")["soap"], "1.2");
  ASSERT_TRUE(wire_.has_value());
  EXPECT_EQ(wire_->wire.modules_get.version, agent::sc_wire::SoapVersion::k12);
}

TEST_F(ScDriverTest, HashFileWithoutHashSignWorks) {
  WriteHash(absl::StrCat("  ", kHash, "\r\n"), 0600);
  FakeServiceCenter& sc = StartFake("ok");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_OK(result);
}

TEST_F(ScDriverTest, WarningsPassUnlessStopOnWarning) {
  FakeServiceCenter& sc = StartFake("warnings");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  ASSERT_OK(result);
  EXPECT_EQ(result->warnings, 1);
  EXPECT_EQ(result->infos, 11);
  EXPECT_EQ(sc.Count("SolutionPack_PublishAbort"), 0);

  PhaseOptions strict;
  strict.stop_on_warning = true;
  result = RunHttp(sc.Url(), strict);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("publish 43"), HasSubstr("Module2: the module has 1 warning"),
                    HasSubstr("aborted it")));
  EXPECT_EQ(CountEvents(PhaseEvent::Kind::kAborting), 1);
  EXPECT_EQ(events_.back().kind, PhaseEvent::Kind::kAborting);
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_PublishAbort", 1));
  EXPECT_EQ(sc.Requests().back()["publishId"], 43);
}

TEST_F(ScDriverTest, AbortsAtTheFirstError) {
  FakeServiceCenter& sc = StartFake("errors");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("publish 42"), HasSubstr("Module3: failed to compile"),
                    HasSubstr("unknown identifier 'SettingsValue'")));
  EXPECT_EQ(events_.back().kind, PhaseEvent::Kind::kAborting);
  EXPECT_THAT(events_.back().reason, HasSubstr("Module3: failed to compile"));
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_PublishAbort", 1));
  EXPECT_EQ(sc.Requests().back()["publishId"], 42);
}

TEST_F(ScDriverTest, ErrorsWithoutAbortFailAtTheEnd) {
  FakeServiceCenter& sc = StartFake("errors");
  PhaseOptions options;
  options.abort_on_error = false;
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url(), options);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              HasSubstr("publish 42 finished with 1 error(s): Module3: failed to compile"));
  EXPECT_EQ(CountEvents(PhaseEvent::Kind::kMessage), 12);
  EXPECT_EQ(CountEvents(PhaseEvent::Kind::kAborting), 0);
  EXPECT_EQ(sc.Count("SolutionPack_PublishAbort"), 0);
}

TEST_F(ScDriverTest, FollowsASlowPublish) {
  FakeServiceCenter& sc = StartFake("slow");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  ASSERT_OK(result);
  EXPECT_EQ(result->infos, 11);
  ASSERT_TRUE(sc.AwaitCount("SolutionPack_GetPublishMessages", 10));
  int64_t after = -1;
  for (const nlohmann::json& r : sc.Requests()) {  // each poll asks for what is new
    if (r["op"] != "SolutionPack_GetPublishMessages") continue;
    EXPECT_GE(r["afterMessageId"].get<int64_t>(), after);
    after = r["afterMessageId"].get<int64_t>();
  }
  EXPECT_GT(after, 0);
}

TEST_F(ScDriverTest, AbortsAtTheDeadline) {
  FakeServiceCenter& sc = StartFake("slow", {"--polls", "1000"});
  PhaseOptions options;
  options.deadline = absl::Milliseconds(400);
  const absl::Time start = absl::Now();
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url(), options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(result.status().message(), HasSubstr("400ms"));
  EXPECT_EQ(events_.back().kind, PhaseEvent::Kind::kAborting);
  EXPECT_TRUE(sc.AwaitCount("SolutionPack_PublishAbort", 1));
}

TEST_F(ScDriverTest, RefusedCredentialsAreUnauthenticated) {
  FakeServiceCenter& sc = StartFake("unauthorized");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(result.status().message(),
              HasSubstr("Service Center refused the credentials of user osfleet-admin"));
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

// Defence in depth: whatever Service Center echoes back, the hash is masked (here it
// echoes the user name, which happens to contain the hash).
TEST_F(ScDriverTest, MasksTheHashWhereverItComesBack) {
  FakeServiceCenter& sc = StartFake("ok");
  HttpDriverConfig config = Config(sc.Url());
  config.user = absl::StrCat("user-", kHash);
  HttpPhaseDriver driver(config);
  absl::StatusOr<PhaseResult> result = Run(driver);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(result.status().message(), HasSubstr("credentials of user user-***"));
}

TEST_F(ScDriverTest, ReadsTheHashFileAtEachRun) {
  WriteHash("#wrong-hash\n", 0600);
  FakeServiceCenter& sc = StartFake("ok");
  HttpPhaseDriver driver(Config(sc.Url()));
  EXPECT_THAT(Run(driver), StatusIs(absl::StatusCode::kUnauthenticated));
  WriteHash(absl::StrCat("#", kHash), 0600);
  absl::StatusOr<PhaseResult> result = Run(driver);
  EXPECT_OK(result);
  WriteHash(absl::StrCat("#", kHash), 0644);
  EXPECT_THAT(Run(driver), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ScDriverTest, ClosedPortIsUnavailableAfterRetries) {
  const absl::Time start = absl::Now();
  absl::StatusOr<PhaseResult> result = RunHttp(absl::StrCat("http://127.0.0.1:", UnusedPort()));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("Service Center's WSDL"), HasSubstr("3 attempts")));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));  // backoff 100ms + 200ms
}

TEST_F(ScDriverTest, MalformedXmlIsReported) {
  FakeServiceCenter& sc = StartFake("malformed-xml");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(result.status().message(), HasSubstr("the answer to Modules_Get is not XML"));
}

TEST_F(ScDriverTest, MalformedJsonIsReported) {
  FakeServiceCenter& sc = StartFake("malformed-json");
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(result.status().message(),
              HasSubstr("the answer to Staging_PublishWith2StepOption is not JSON"));
}

TEST_F(ScDriverTest, DryRunPublishesNothing) {
  FakeServiceCenter& sc = StartFake("ok");
  PhaseOptions options;
  options.dry_run = true;
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url(), options);
  ASSERT_OK(result);
  EXPECT_TRUE(result->dry_run);
  EXPECT_EQ(result->modules, 5);
  EXPECT_TRUE(result->publish_id.empty());
  ASSERT_TRUE(sc.AwaitCount("Modules_Get", 1));
  EXPECT_EQ(sc.Count("WSDL"), 1);
  EXPECT_EQ(sc.Requests().size(), 2u);
}

TEST_F(ScDriverTest, PublishesOnlyTheNamedModules) {
  FakeServiceCenter& sc = StartFake("ok");
  PhaseOptions options;
  options.modules = {"module4", "Module2"};
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url(), options);
  ASSERT_OK(result);
  EXPECT_EQ(result->modules, 2);
  EXPECT_EQ(result->infos, 2 * 2 + 1);
  ASSERT_TRUE(sc.AwaitCount("Staging_PublishWith2StepOption", 1));
  EXPECT_EQ(sc.First("Staging_PublishWith2StepOption")["modules"],
            nlohmann::json({"Module2", "Module4"}));
}

TEST_F(ScDriverTest, UnknownModuleNamesPublishNothing) {
  FakeServiceCenter& sc = StartFake("ok");
  PhaseOptions options;
  options.modules = {"Module2", "NoSuchModule", "Other"};
  absl::StatusOr<PhaseResult> result = RunHttp(sc.Url(), options);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), HasSubstr("no module named NoSuchModule, Other"));
  EXPECT_TRUE(events_.empty());
  ASSERT_TRUE(sc.AwaitCount("Modules_Get", 1));
  EXPECT_EQ(sc.Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScDriverTest, HttpsVerifiesTheCertificate) {
  const std::string cert = tmp_.Sub("sc-cert.pem"), key = tmp_.Sub("sc-key.pem");
  ProcessResult made = RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                                   "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj",
                                   "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  FakeServiceCenter& sc = StartFake("ok", {"--tls-cert", cert, "--tls-key", key});
  HttpDriverConfig config = Config(sc.Url("https"));
  config.ca_file = cert;
  HttpPhaseDriver trusting(config);
  absl::StatusOr<PhaseResult> result = Run(trusting);
  ASSERT_OK(result);
  EXPECT_EQ(result->infos, 11);

  config.ca_file.clear();  // the system CAs do not know this certificate
  HttpPhaseDriver doubting(config);
  result = Run(doubting);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), HasSubstr("TLS"));

  config.insecure_skip_verify = true;
  HttpPhaseDriver lab(config);
  EXPECT_OK(Run(lab));
}

// The fake's own self-test (tests/fakes/fake_service_center_test.py), under ctest.
TEST(FakeServiceCenterSelfTest, Passes) {
  ProcessResult r =
      RunProgram({"/usr/bin/python3",
                  std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center_test.py"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("OK"));
}

// Command driver: a script's lines become messages as they are printed.
std::string Script(const TempDir& tmp, const std::string& body) {
  const std::string path = tmp.Sub("republish.sh");
  WriteFile(path, "#!/bin/sh\n" + body);
  chmod(path.c_str(), 0755);
  return path;
}

TEST_F(ScDriverTest, CommandDriverReportsEachLine) {
  CommandDriverConfig config;
  config.command = {Script(tmp_,
                           "echo \"dry=$OSFLEET_SC_DRY_RUN stop=$OSFLEET_SC_STOP_ON_WARNING "
                           "modules=$OSFLEET_SC_MODULES site=$SITE\"\n"
                           "echo 'WARNING: Home has 1 warning'\n"
                           "echo 'ERROR: Ext failed' >&2\n"
                           "printf 'no newline at the end'\n")};
  config.env = {{"SITE", "dc01"}};
  CommandPhaseDriver driver(config);
  PhaseOptions options;
  options.dry_run = true;
  options.modules = {"Home", "Ext"};
  absl::StatusOr<PhaseResult> result = Run(driver, options);
  ASSERT_OK(result);
  EXPECT_EQ(result->infos, 2);
  EXPECT_EQ(result->warnings, 1);
  EXPECT_EQ(result->errors, 1);
  EXPECT_TRUE(result->dry_run);
  ASSERT_EQ(events_.size(), 4u);
  EXPECT_EQ(events_[0].message.message, "dry=1 stop=0 modules=Home,Ext site=dc01");
  EXPECT_EQ(events_[1].message.type, PublishMessageType::kWarning);
  EXPECT_EQ(events_[1].message.message, "Home has 1 warning");
  EXPECT_EQ(events_[2].message.type, PublishMessageType::kError);
  EXPECT_EQ(events_[3].message.message, "no newline at the end");
}

TEST_F(ScDriverTest, CommandDriverStreamsLinesAsTheyCome) {
  const std::string go = tmp_.Sub("go");
  CommandDriverConfig config;
  config.command = {Script(tmp_, absl::StrCat("echo first\nwhile [ ! -f ", go,
                                              " ]; do sleep 0.01; done\necho second\n"))};
  CommandPhaseDriver driver(config);
  PhaseOptions options;
  options.deadline = absl::Seconds(20);
  std::vector<std::string> lines;
  absl::StatusOr<PhaseResult> result = driver.Run(options, [&](const PhaseEvent& e) {
    lines.push_back(e.message.message);
    if (e.message.message == "first") WriteFile(go, "");  // only once "first" arrived
  });
  ASSERT_OK(result);
  EXPECT_THAT(lines, ElementsAre("first", "second"));
}

TEST_F(ScDriverTest, CommandDriverFailsOnNonZeroExit) {
  CommandDriverConfig config;
  config.command = {Script(tmp_, "echo 'Publishing Home'\necho 'ERROR: Home failed'\nexit 3\n")};
  CommandPhaseDriver driver(config);
  absl::StatusOr<PhaseResult> result = Run(driver);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("exited with status 3"), HasSubstr("ERROR: Home failed")));
  EXPECT_EQ(events_.size(), 2u);
}

TEST_F(ScDriverTest, CommandDriverKillsTheGroupAtTheDeadline) {
  CommandDriverConfig config;
  config.command = {Script(tmp_, "echo started\nsleep 30 &\nsleep 30\n")};
  CommandPhaseDriver driver(config);
  PhaseOptions options;
  options.deadline = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  absl::StatusOr<PhaseResult> result = Run(driver, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(result.status().message(), AllOf(HasSubstr("killed it"), HasSubstr("started")));
}

}  // namespace
}  // namespace osfleet::testing
