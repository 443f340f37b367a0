// `osctl doctor` against a simulated farm (real agents, mTLS, a fake Service Center): a
// healthy farm, a service its backend does not know, a missing Configuration Tool, a wrong
// Service Center password, an agent that does not answer; and `rollout plan` refusing on a
// failing check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

FarmOptions OneFrontEnd() {
  FarmOptions o;
  o.front_ends = 1;
  return o;
}

class DoctorTest : public ::testing::Test {
 protected:
  void StartFarm(FarmOptions options = OneFrontEnd()) {
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), std::move(options));
    ASSERT_TRUE(farm_->Start());
  }
  // `osctl doctor -o json ARGS`: the exit code and the parsed document.
  nlohmann::json DoctorJson(std::vector<std::string> args = {}, int* exit_code = nullptr) {
    args.insert(args.begin(), {"doctor", "-o", "json"});
    ProcessResult r = farm_->Osctl(args);
    if (exit_code != nullptr) *exit_code = r.exit_code;
    nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(doc.is_object()) << r.out << r.err;
    return doc;
  }
  // The row of `server` named `check` (null when there is none).
  static nlohmann::json Row(const nlohmann::json& doc, const std::string& server,
                            const std::string& check) {
    for (const auto& r : doc["rows"]) {
      if (r["server"] == server && r["check"] == check) return r;
    }
    return nullptr;
  }
  // Replaces the program of `service` in `name`'s agent.yaml by `program` and starts that
  // agent again on it (a cuttable server keeps its inventory address).
  void RestartWithProgram(const std::string& name, const std::string& service,
                          const std::string& program) {
    Agent& agent = farm_->agent(name);
    agent.process().Stop(SIGTERM);
    const std::string path = agent.dir() + "/agent.yaml";
    std::string yaml = ReadFile(path);
    const std::string quoted_name = absl::StrCat("\"", service, "\"");
    const size_t line = yaml.rfind("command: [", yaml.find(quoted_name));
    const std::string old_program = BinDir() + "/osfleet-simulated-service";
    ASSERT_EQ(yaml.compare(line + 11, old_program.size(), old_program), 0) << yaml;
    yaml.replace(line + 11, old_program.size(), program);
    WriteFile(path, yaml);
    ASSERT_TRUE(farm_->RestartAgent(name));
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(DoctorTest, HealthyFarmEveryCheckHolds) {
  StartFarm();
  int code = -1;
  const nlohmann::json doc = DoctorJson({}, &code);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["command"], "doctor");
  std::set<std::string> dc01, fe01;
  for (const auto& r : doc["rows"]) {
    ASSERT_TRUE(r["server"].is_string() && r["check"].is_string() && r["verdict"].is_string() &&
                r["reason"].is_string())
        << r;
    (r["server"] == "dc01" ? dc01 : fe01).insert(r["check"].get<std::string>());
    EXPECT_EQ(r["verdict"], "ok") << r;
  }
  for (const char* check :
       {"hsconf.parsed", "hsconf.writable", "hsconf.advanced_settings", "state_dir.space",
        "services.OutSystems Deployment Service", "services.OutSystems Scheduler Service",
        "configuration_tool", "agent.certificate", "clock.skew"}) {
    EXPECT_EQ(dc01.count(check), 1u) << check;
    EXPECT_EQ(fe01.count(check), 1u) << check;
  }
  EXPECT_EQ(dc01.count("services.OutSystems Deployment Controller Service"), 1u);
  EXPECT_EQ(fe01.count("services.OutSystems Deployment Controller Service"), 0u);
  // The Deployment Controller's Service Center (HttpPhaseDriver::Check); no Front-End has one.
  for (const char* check :
       {"service_center.url", "service_center.wsdl", "service_center.modules_get"}) {
    EXPECT_EQ(dc01.count(check), 1u) << check;
    EXPECT_EQ(fe01.count(check), 0u) << check;
  }
  EXPECT_THAT(Row(doc, "dc01", "service_center.modules_get")["reason"].get<std::string>(),
              HasSubstr("user osfleet-admin accepted"));
  EXPECT_FALSE(Row(doc, "osctl", "osctl.certificate").is_null());
  EXPECT_THAT(Row(doc, "osctl", "osctl.certificate")["reason"].get<std::string>(),
              HasSubstr("days left"));
  EXPECT_THAT(Row(doc, "fe01", "hsconf.parsed")["reason"].get<std::string>(),
              HasSubstr(farm_->old_db().address()));
  // Exit 0: every row is ok.
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(code, 0) << doc;
  EXPECT_EQ(doc["counts"]["fail"], 0);
  EXPECT_EQ(doc["counts"]["warn"], 0);
  EXPECT_EQ(farm_->Osctl({"doctor", "--fail-on", "fail"}).exit_code, 0);

  ProcessResult table = farm_->Osctl({"doctor"});
  EXPECT_THAT(table.out, HasSubstr("SERVER"));
  EXPECT_THAT(table.out, HasSubstr("VERDICT"));
  EXPECT_THAT(table.out, HasSubstr("2 servers, "));
  EXPECT_TRUE(farm_->EveryFileIsTheOriginal(absl::Seconds(1)));
}

// Read-only: a viewer's certificate is enough, and nothing is audited.
TEST_F(DoctorTest, AViewerMayRunItAndItIsNotAudited) {
  StartFarm();
  const std::string pki = tmp_.Sub("farm/pki");
  ProcessResult issued = RunProgram({BinDir() + "/osctl", "pki", "issue", "operator", "watcher",
                                     "--role", "viewer", "--dir", pki});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string audit = ReadFile(tmp_.Sub("farm/dc01/state/audit.log"));
  int code = -1;
  const nlohmann::json doc = DoctorJson(
      {"--tls-cert", pki + "/watcher.pem", "--tls-key", pki + "/watcher.key", "--fail-on", "fail"},
      &code);
  EXPECT_EQ(code, 0) << doc;
  EXPECT_EQ(Row(doc, "dc01", "hsconf.parsed")["verdict"], "ok");
  EXPECT_EQ(ReadFile(tmp_.Sub("farm/dc01/state/audit.log")), audit);
}

TEST_F(DoctorTest, AServiceItsBackendDoesNotKnowFailsAndRolloutPlanRefuses) {
  FarmOptions options = OneFrontEnd();
  options.cuttable = {"fe01"};  // the inventory keeps its address across the restart
  StartFarm(options);
  const std::string missing = tmp_.Sub("farm/gone/OutSystems.Scheduler.exe");
  RestartWithProgram("fe01", "OutSystems Scheduler Service", missing);
  int code = -1;
  const nlohmann::json doc = DoctorJson({}, &code);
  EXPECT_EQ(code, 1);
  const nlohmann::json row = Row(doc, "fe01", "services.OutSystems Scheduler Service");
  ASSERT_FALSE(row.is_null()) << doc;
  EXPECT_EQ(row["verdict"], "fail");
  EXPECT_THAT(row["reason"].get<std::string>(), HasSubstr(missing));
  EXPECT_EQ(Row(doc, "fe01", "services.OutSystems Deployment Service")["verdict"], "ok");

  const std::string address = farm_->new_db().address();
  ProcessResult plan = farm_->Osctl(
      {"rollout", "plan", "--platform", address, "--log", address, "--session", address});
  EXPECT_EQ(plan.exit_code, 3) << plan.out << plan.err;
  EXPECT_THAT(plan.err, HasSubstr("fe01  services.OutSystems Scheduler Service  fail"));
  EXPECT_THAT(plan.err, HasSubstr(missing));
  EXPECT_THAT(plan.err, HasSubstr("nothing was changed"));
  ProcessResult apply = farm_->Osctl(
      {"rollout", "apply", "--yes", "--platform", address, "--log", address, "--session", address});
  EXPECT_EQ(apply.exit_code, 3) << apply.out << apply.err;
  EXPECT_TRUE(farm_->EveryFileIsTheOriginal(absl::Seconds(1)));
  EXPECT_TRUE(farm_->Journal().is_null());
}

TEST_F(DoctorTest, AMissingConfigurationToolFailsNamingThePath) {
  FarmOptions options = OneFrontEnd();
  const std::string tool = tmp_.Sub("farm/fe01/Platform Server/ConfigurationTool.com");
  options.extra_config["fe01"] = absl::StrCat("configuration_tool:\n  command: [\"", tool,
                                              "\"]\n  apply: [/UpgradeInstall]\n");
  StartFarm(options);
  int code = -1;
  const nlohmann::json doc = DoctorJson({}, &code);
  EXPECT_EQ(code, 1);
  const nlohmann::json row = Row(doc, "fe01", "configuration_tool");
  ASSERT_FALSE(row.is_null()) << doc;
  EXPECT_EQ(row["verdict"], "fail");
  EXPECT_THAT(row["reason"].get<std::string>(), HasSubstr(tool + " cannot be run"));
  EXPECT_THAT(row["reason"].get<std::string>(), HasSubstr("Platform Server version"));
  EXPECT_EQ(Row(doc, "dc01", "configuration_tool")["verdict"], "ok");
}

// Modules_Get with the wrong password (HttpPhaseDriver::Check) comes back as a row that
// does not hold and names the user, never the password.
TEST_F(DoctorTest, AWrongServiceCenterPasswordDoesNotHold) {
  StartFarm();
  WriteFile(tmp_.Sub("farm/sc.hash"), "#NotTheFarmsHash0000000000\n");
  int code = -1;
  const nlohmann::json doc = DoctorJson({}, &code);
  std::vector<nlohmann::json> sc;
  for (const auto& r : doc["rows"]) {
    if (r["server"] == "dc01" &&
        absl::StartsWith(r["check"].get<std::string>(), "service_center.")) {
      sc.push_back(r);
    }
  }
  ASSERT_FALSE(sc.empty()) << doc;
  EXPECT_EQ(code, 1);
  bool refused = false;
  for (const auto& r : sc) {
    if (r["verdict"] != "ok" &&
        absl::StrContains(r["reason"].get<std::string>(), "osfleet-admin")) {
      refused = true;
    }
    EXPECT_THAT(r["reason"].get<std::string>(), ::testing::Not(HasSubstr("NotTheFarmsHash")));
  }
  EXPECT_TRUE(refused) << doc;
}

TEST_F(DoctorTest, AnAgentThatDoesNotAnswerIsAFailingRow) {
  StartFarm();
  farm_->agent("fe01").process().Stop(SIGTERM);
  int code = -1;
  const nlohmann::json doc = DoctorJson({"--timeout", "3s"}, &code);
  EXPECT_EQ(code, 1);
  const nlohmann::json row = Row(doc, "fe01", "agent.reachable");
  ASSERT_FALSE(row.is_null()) << doc;
  EXPECT_EQ(row["verdict"], "fail");
  EXPECT_THAT(row["reason"].get<std::string>(), HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(Row(doc, "dc01", "hsconf.parsed")["verdict"], "ok");
}

}  // namespace
}  // namespace osfleet::testing
