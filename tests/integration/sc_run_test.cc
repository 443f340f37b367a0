// `osctl sc run` end to end: osctl -> the Deployment Controller's agent -> the fake
// Service Center (a real HTTP server), in each of the fake's failure modes; with the
// agent's Configuration Tool (the fake one), Apply Settings then only the flagged modules.
// The encrypted password must never appear in any output or log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/harness.h"
#include "tests/integration/memory_bound.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "osfleet-admin";
constexpr char kHash[] = "Zx9SecretHashValue0123456789abcdef";  // the encrypted password

struct ScSetup {
  std::string mode = "ok";
  std::string url;                     // default: the fake's
  std::vector<std::string> fake_args;  // more flags for the fake Service Center
  std::string sc_keys;                 // more service_center: keys ("  republish: all\n")
  bool tool = false;                   // a configuration_tool: that runs the fake tool
  std::string password_key = "password_hash_file";  // its old name: still read
};

class ScRunTest : public ::testing::Test {
 protected:
  // Starts the fake in `mode` and an agent configured to use it (or `url` if given).
  void Start(const std::string& mode, const std::string& url = "") {
    ScSetup setup;
    setup.mode = mode;
    setup.url = url;
    Start(setup);
  }
  void Start(const ScSetup& setup) {
    ASSERT_TRUE(StartFake(setup));
    agent_ = std::make_unique<Agent>(dir(), WriteAgentConfig(setup));
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }
  // With the fake tool, and the fake Service Center flagging Module2 (6) and Module5 (13)
  // once settings are applied (and answering 503 twice while the services "restart").
  void StartWithTool(const std::string& sc_keys = "", int unavailable = 2) {
    ScSetup setup;
    setup.tool = true;
    setup.sc_keys = sc_keys;
    setup.password_key = "password_encrypted_file";
    setup.fake_args = {"--settings-applied-file",      applied_,
                       "--flag-after-settings",        "Module2:6,Module5:13",
                       "--unavailable-after-settings", std::to_string(unavailable)};
    Start(setup);
  }

  bool StartFake(const ScSetup& setup) {
    const std::string fake_dir = tmp_.Sub("sc");
    mkdir(fake_dir.c_str(), 0755);
    request_log_ = fake_dir + "/requests.jsonl";
    std::vector<std::string> argv = {
        "/usr/bin/python3", std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center.py",
        "--port-file",      fake_dir + "/port",
        "--user",           kUser,
        "--hash",           kHash,
        "--mode",           setup.mode,
        "--request-log",    request_log_};
    argv.insert(argv.end(), setup.fake_args.begin(), setup.fake_args.end());
    fake_ = std::make_unique<ChildProcess>(argv, fake_dir + "/fake.log");
    return WaitFor([&] { return absl::SimpleAtoi(ReadFile(fake_dir + "/port"), &sc_port_); },
                   absl::Seconds(20));
  }

  std::string dir() const { return tmp_.Sub("dc01"); }

  // Writes dc01's agent.yaml (and its encrypted password file); the options to start it.
  AgentOptions WriteAgentConfig(const ScSetup& setup) {
    mkdir(dir().c_str(), 0755);
    WriteFile(dir() + "/sc.encrypted", absl::StrCat("#", kHash, "\n"));
    chmod((dir() + "/sc.encrypted").c_str(), 0600);
    std::string yaml = absl::StrCat(
        "service_center:\n  driver: http\n  url: ",
        setup.url.empty() ? absl::StrCat("http://127.0.0.1:", sc_port_) : setup.url,
        "\n  user: ", kUser, "\n  ", setup.password_key, ": ", dir(),
        "/sc.encrypted\n  poll_interval: 20ms\n  request_timeout: 5s\n", setup.sc_keys);
    if (setup.tool) {
      absl::StrAppend(&yaml, "configuration_tool:\n  command: [\"", BinDir(),
                      "/osfleet-fake-configuration-tool\", \"--hsconf=", dir(),
                      "/server.hsconf\", \"--record=", record_, "\", \"--log=", tool_log_,
                      "\", \"--fail-file=", fail_file_, "\", \"--settings-applied-file=", applied_,
                      "\"]\n  timeout: 30s\n  log_file: ", tool_log_, "\n");
    }
    WriteFile(dir() + "/agent.yaml", yaml);
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.extra_args = {"--config", dir() + "/agent.yaml"};
    return options;
  }

  // The fake tool's runs, oldest first.
  std::vector<nlohmann::json> ToolRuns() {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(record_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(std::string(line)));
    }
    return out;
  }

  // The module names of the publishes, in order.
  std::vector<nlohmann::json> Published() {
    std::vector<nlohmann::json> out;
    for (const auto& r : Requests()) {
      if (r.value("op", "") == "Staging_PublishWith2StepOption" && r["status"] == 200) {
        out.push_back(r["modules"]);
      }
    }
    return out;
  }

  ProcessResult Sc(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure", "sc", "run"});
    ProcessResult r = RunOsctl(args);
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kHash)));
    return r;
  }

  std::vector<nlohmann::json> Requests() {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(request_log_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(std::string(line)));
    }
    return out;
  }

  int Count(const std::string& op) {
    int n = 0;
    for (const auto& r : Requests()) n += r.value("op", "") == op ? 1 : 0;
    return n;
  }

  void TearDown() override {
    if (agent_) {
      EXPECT_THAT(ReadFile(agent_->log()), Not(HasSubstr(kHash)));
    }
  }

  TempDir tmp_;
  const std::string record_ = tmp_.Sub("tool.jsonl"), tool_log_ = tmp_.Sub("tool.log");
  const std::string fail_file_ = tmp_.Sub("tool-fails"), applied_ = tmp_.Sub("settings-applied");
  std::unique_ptr<ChildProcess> fake_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_, request_log_;
  int sc_port_ = 0;
};

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

// Issue 26, finding 8: a Modules_Get answer of 250 000 modules (33 MB from the fake) made
// one 59 MB event that broke osctl at gRPC's 4 MiB limit, while the agent went on to
// start a 27 MB publication. Now the agent refuses the list at service_center.max_modules
// (20 000 by default) before any publish call, and osctl shows why.
TEST_F(ScRunTest, AHugeModulesGetAnswerIsRefusedBeforeAnyPublish) {
  ScSetup setup;
  setup.fake_args = {"--modules", "250000"};
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("RESOURCE_EXHAUSTED")) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Service Center listed 250000 modules, more than 20000 (the cap "
                               "service_center.max_modules"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published")) << r.out;
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("larger than max")));  // gRPC's 4 MiB error
  EXPECT_EQ(Count("Modules_Get"), 1);
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

// An answer over max_answer_mib is not even read to its end.
TEST_F(ScRunTest, AnAnswerOverMaxAnswerMibIsRefusedBeforeAnyPublish) {
  ScSetup setup;
  setup.fake_args = {"--modules", "20000"};  // ~2.6 MB
  setup.sc_keys = "  max_answer_mib: 1\n";
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("the answer is over 1 MiB; stopped reading it (the cap "
                               "service_center.max_answer_mib"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScRunTest, MoreModulesThanMaxModulesAreRefusedBeforeAnyPublish) {
  ScSetup setup;
  setup.fake_args = {"--modules", "60"};
  setup.sc_keys = "  max_modules: 50\n";
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Service Center listed 60 modules, more than 50 (the cap "
                               "service_center.max_modules"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

// 60 000 modules within raised caps: the list event is cut to well under 4 MiB (on main
// it was ~7 MB: osctl failed with gRPC's limit) and says how many it left out; the
// publish request is over max_publish_mib, so it is never sent.
TEST_F(ScRunTest, ALargeListIsSummarisedAndAnOversizedPublishIsNotSent) {
  ScSetup setup;
  setup.fake_args = {"--modules", "60000"};
  setup.sc_keys = "  max_modules: 100000\n  max_publish_mib: 1\n";
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("60000 of 60000 module(s) to republish")) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("more than 1 MiB (the cap service_center.max_publish_mib")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("larger than max")));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);

  ProcessResult json = Sc({"--dry-run", "--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  bool listed = false;
  for (const auto& e : doc["events"]) {
    if (!e.contains("modulesListed")) continue;
    listed = true;
    const auto& l = e["modulesListed"];
    EXPECT_GT(l["modulesOmitted"].get<int>(), 0);
    EXPECT_EQ(l["modules"].size() + l["modulesOmitted"].get<size_t>(), 60000u);
  }
  EXPECT_TRUE(listed) << json.out.substr(0, 2000);
}

// Issue 26, finding 7: a publication that never finishes but keeps sending messages took
// osctl to 1.1 GB in 150 s. Now osctl stops at its per-stream cap, stays small, and the
// agent (its client gone) aborts the publication.
TEST_F(ScRunTest, AnEndlessPublicationIsCutOffByOsctlAndAborted) {
  ScSetup setup;
  setup.mode = "endless";
  setup.fake_args = {"--messages-per-poll", "2000"};
  Start(setup);
  const MeasuredRun run =
      RunOsctlMeasured({"--inventory", inventory_, "--insecure", "sc", "run", "--deadline", "60s"},
                       tmp_.Sub("osctl.out"));
  const std::string tail =
      run.output.substr(run.output.size() > 2000 ? run.output.size() - 2000 : 0);
  EXPECT_EQ(run.exit_code, 1) << tail;
  EXPECT_THAT(run.output, HasSubstr("agent dc01 sent more than 100000 events in one stream; "
                                    "stopped"))
      << tail;
  EXPECT_LT(run.max_rss_kib, kOsctlMemoryBoundKiB)
      << "osctl peaked at " << run.max_rss_kib << " KiB";
  EXPECT_THAT(run.output, Not(HasSubstr(kHash)));
  EXPECT_TRUE(WaitFor([&] { return Count("SolutionPack_PublishAbort") == 1; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
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
