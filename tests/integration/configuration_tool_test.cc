// The Configuration Tool steps of a rollout on a simulated farm: every agent runs a fake
// ConfigurationTool.com (tests/fakes) after each change of server.hsconf, reverts
// included, one server at a time across the fleet; a failing tool reverts its server and
// the rollout rolls back; the database admin's credentials reach the tool and nothing else.
// The Deployment Controller's run installs Service Center by default (its reverts too); the
// Service Center phase's Apply Settings step fills its placeholders from the same channel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "Pa55-w0rd!for-the-SA";
constexpr char kWindowsAuthSettings[] =
    "[/ApplySettingsFactory, /WithWindowsAuthentication, '${windows_auth_password}']";

struct ToolSetup {
  std::string apply = "[/UpgradeInstall]";
  std::string apply_settings;  // empty: the default ([/ApplySettingsFactory])
  std::map<std::string, std::string> fail_on_address;  // server -> address it fails on
  std::string fail_file;                               // every tool fails while it exists
  std::string echo;  // how a failing tool echoes its switches: json, utf16, cut (--echo)
};

class ConfigurationToolTest : public ::testing::Test {
 protected:
  std::string FarmDir() const { return tmp_.Sub("farm"); }
  std::string Record(const std::string& name) const {
    return FarmDir() + "/" + name + ".tool.jsonl";
  }

  void StartFarm(const ToolSetup& setup, int front_ends = 2,
                 std::vector<std::string> sc_args = {}) {
    FarmOptions o;
    o.front_ends = front_ends;
    o.sc_args = std::move(sc_args);
    std::vector<std::string> names = {"dc01"};
    for (int i = 1; i <= front_ends; ++i) names.push_back(absl::StrCat("fe0", i));
    for (const std::string& name : names) {
      const std::string log = FarmDir() + "/" + name + ".tool.log";
      std::string command = absl::StrCat(
          "[\"", BinDir(), "/osfleet-fake-configuration-tool\", \"--hsconf=", FarmDir(), "/", name,
          "/server.hsconf\", \"--record=", Record(name), "\", \"--log=", log,
          "\", \"--delay-ms=150\", \"--settings-applied-file=", FarmDir(), "/settings-applied\"");
      auto fail = setup.fail_on_address.find(name);
      if (fail != setup.fail_on_address.end()) {
        absl::StrAppend(&command, ", \"--fail-on-address=", fail->second, "\"");
      }
      if (!setup.fail_file.empty()) {
        absl::StrAppend(&command, ", \"--fail-file=", setup.fail_file, "\"");
      }
      if (!setup.echo.empty()) absl::StrAppend(&command, ", \"--echo=", setup.echo, "\"");
      command += "]";
      o.extra_config[name] =
          absl::StrCat("configuration_tool:\n  command: ", command, "\n  apply: ", setup.apply,
                       "\n  timeout: 60s\n  log_file: ", log, "\n");
      if (!setup.apply_settings.empty()) {
        absl::StrAppend(&o.extra_config[name], "  apply_settings: ", setup.apply_settings, "\n");
      }
      names_.push_back(name);
    }
    farm_ = std::make_unique<Farm>(FarmDir(), std::move(o));
    ASSERT_TRUE(farm_->Start());
  }

  std::vector<std::string> MoveAll() const {
    const std::string a = farm_->new_db().address();
    return {"--platform", a, "--log", a, "--session", a};
  }
  ProcessResult Apply(std::vector<std::string> extra) {
    std::vector<std::string> args = {"rollout", "apply", "--yes",
                                     "--batch", "100%",  "--skip-service-center"};
    for (const std::string& m : MoveAll()) args.push_back(m);
    args.insert(args.end(), extra.begin(), extra.end());
    return farm_->Osctl(args);
  }
  // The fake tool's runs on one server, oldest first.
  std::vector<nlohmann::json> Runs(const std::string& name) const {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(Record(name)), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }
  std::string Credentials(mode_t mode, const std::string& name = "db_admin_password") {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\n", name, ": \"", kPassword, "\"\n"));
    chmod(path.c_str(), mode);
    return path;
  }
  // A password as a YAML single-quoted scalar (no escapes: '"' and '\' as they are).
  std::string CredentialsWithPassword(const std::string& password) {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\ndb_admin_password: '", password, "'\n"));
    chmod(path.c_str(), 0600);
    return path;
  }
  // Every text osfleet itself wrote: agent logs, audit logs, the journal, the tool's
  // masked tails as osctl printed them (`out`).
  std::string EverythingWritten(const ProcessResult& r) {
    std::string all = r.out + r.err;
    for (const std::string& name : names_) {
      all += ReadFile(farm_->agent(name).log());
      all += ReadFile(farm_->agent(name).dir() + "/state/audit.log");
    }
    all += farm_->Journal().dump();
    return all;
  }

  // ServiceCenter.RunPhase on dc01's agent straight from a gRPC client (mTLS, the farm's
  // operator certificate), as a client that never asked GetInfo would.
  grpc::Status RunPhaseDirectly(const std::map<std::string, std::string>& credentials) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(FarmDir() + "/pki/ca.pem");
    tls.pem_cert_chain = ReadFile(FarmDir() + "/pki/tester.pem");
    tls.pem_private_key = ReadFile(FarmDir() + "/pki/tester.key");
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("dc01");
    auto stub = v1::ServiceCenter::NewStub(
        grpc::CreateCustomChannel(farm_->agent("dc01").address(), grpc::SslCredentials(tls), args));
    v1::RunPhaseRequest request;
    for (const auto& [name, value] : credentials) (*request.mutable_credentials())[name] = value;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto reader = stub->RunPhase(&ctx, request);
    v1::PhaseEvent event;
    while (reader->Read(&event)) events_.push_back(event);
    return reader->Finish();
  }
  // The republished module names, in order.
  std::vector<std::string> Published() const {
    std::vector<std::string> published;
    for (const nlohmann::json& req : farm_->ScRequests()) {
      if (req.value("op", "") != "Staging_PublishWith2StepOption" || !req["modules"].is_array()) {
        continue;
      }
      for (const auto& m : req["modules"]) published.push_back(m.get<std::string>());
    }
    return published;
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
  std::vector<std::string> names_;
  std::vector<v1::PhaseEvent> events_;
};

TEST_F(ConfigurationToolTest, RunsOncePerServerWithTheNewAddressOneAtATime) {
  StartFarm({});
  // --install-service-center: the default now, still accepted.
  ProcessResult r = Apply({"--install-service-center", "--canary", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The Front-Ends' batch: the tool one server at a time, then the restarts together.
  EXPECT_THAT(r.out, HasSubstr("restarting the services of 2 server(s) together"));
  const std::string next = farm_->new_db().address();
  std::vector<std::pair<long long, long long>> spans;
  for (const std::string& name : names_) {
    std::vector<nlohmann::json> runs = Runs(name);
    ASSERT_EQ(runs.size(), 1u) << name << ": " << ReadFile(Record(name));
    EXPECT_EQ(runs[0]["platform"], next) << name;  // run after the write
    std::vector<std::string> expected = {"/UpgradeInstall"};
    if (name == "dc01") expected.push_back("/InstallServiceCenter");  // only on the DC
    EXPECT_EQ(runs[0]["switches"].get<std::vector<std::string>>(), expected) << name;
    spans.emplace_back(runs[0]["start_ms"].get<long long>(), runs[0]["end_ms"].get<long long>());
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    EXPECT_GE(spans[i].first, spans[i - 1].second) << "two Configuration Tool runs overlapped";
  }
  // Its run is in the events and the journal.
  EXPECT_THAT(r.out, HasSubstr("tool      fe01     osfleet-fake-configuration-tool /UpgradeInstall "
                               "exited with status 0"));
  nlohmann::json journal = farm_->Journal();
  for (const auto& h : journal["hosts"]) {
    EXPECT_THAT(h["configuration_tool"].get<std::string>(), HasSubstr("exited with status 0"))
        << h.dump();
  }
}

TEST_F(ConfigurationToolTest, TheWholeProcedureEndsWithSettingsAppliedAndOnlyFlaggedModules) {
  StartFarm({}, 1,
            {"--modules", "6", "--settings-applied-file", FarmDir() + "/settings-applied",
             "--flag-after-settings", "Module2:6,Module5:13"});
  std::vector<std::string> args = {"rollout", "apply", "--yes"};
  for (const std::string& m : MoveAll()) args.push_back(m);
  ProcessResult r = farm_->Osctl(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The DC: Apply and Exit with the Service Center installation (the default), then, once
  // every server is confirmed, Apply Settings to the Factory alone.
  std::vector<nlohmann::json> dc = Runs("dc01");
  ASSERT_EQ(dc.size(), 2u) << ReadFile(Record("dc01"));
  EXPECT_EQ(dc[0]["switches"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"/UpgradeInstall", "/InstallServiceCenter"}));
  EXPECT_EQ(dc[1]["switches"].get<std::vector<std::string>>(),
            std::vector<std::string>{"/ApplySettingsFactory"});
  EXPECT_EQ(Runs("fe01").size(), 1u);  // a Front-End applies once
  // Only the two modules Service Center flagged were republished.
  std::vector<std::string> published;
  for (const nlohmann::json& req : farm_->ScRequests()) {
    if (req.value("op", "") != "Staging_PublishWith2StepOption" || !req["modules"].is_array()) {
      continue;
    }
    for (const auto& m : req["modules"]) published.push_back(m.get<std::string>());
  }
  EXPECT_EQ(published, (std::vector<std::string>{"Module2", "Module5"})) << r.out;
  EXPECT_THAT(r.out, HasSubstr("flagged by Service Center: Module2 (6"));
  EXPECT_THAT(r.out, HasSubstr("settings applied: "));
  EXPECT_THAT(r.out, HasSubstr("/ApplySettingsFactory exited with status 0"));
}

// The manual procedure answers Yes to "Service Center installation" on the Deployment
// Controller: without a flag, its run adds /InstallServiceCenter; a Front-End's never does.
TEST_F(ConfigurationToolTest, ByDefaultServiceCenterIsInstalledOnTheDeploymentControllerOnly) {
  StartFarm({}, 2);
  ProcessResult r = Apply({});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& name : names_) {
    ASSERT_EQ(Runs(name).size(), 1u) << name;
    std::vector<std::string> expected = {"/UpgradeInstall"};
    if (name == "dc01") expected.push_back("/InstallServiceCenter");
    EXPECT_EQ(Runs(name)[0]["switches"].get<std::vector<std::string>>(), expected) << name;
  }
  EXPECT_THAT(r.out, HasSubstr("runs the Configuration Tool after each change (with "
                               "/InstallServiceCenter)"));
  EXPECT_EQ(farm_->Journal()["options"]["install_service_center"], true);
}

TEST_F(ConfigurationToolTest, NoInstallServiceCenterSkipsIt) {
  StartFarm({}, 1);
  ProcessResult r = Apply({"--no-install-service-center"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& name : names_) {
    ASSERT_EQ(Runs(name).size(), 1u) << name;
    EXPECT_EQ(Runs(name)[0]["switches"].get<std::vector<std::string>>(),
              std::vector<std::string>{"/UpgradeInstall"})
        << name;
  }
  EXPECT_THAT(r.out, Not(HasSubstr("with /InstallServiceCenter")));
  EXPECT_EQ(farm_->Journal()["options"]["install_service_center"], false);
}

TEST_F(ConfigurationToolTest, BothServiceCenterFlagsAtOnceAreAUsageError) {
  StartFarm({}, 1);
  const std::string before = farm_->Hsconf("dc01");
  std::vector<std::string> set = {"endpoints", "set", "--yes", "--install-service-center",
                                  "--no-install-service-center"};
  for (const std::string& m : MoveAll()) set.push_back(m);
  for (const ProcessResult& r :
       {Apply({"--install-service-center", "--no-install-service-center"}), farm_->Osctl(set)}) {
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("--install-service-center and --no-install-service-center: give "
                                 "one of them"));
  }
  EXPECT_EQ(farm_->Hsconf("dc01"), before);
  EXPECT_TRUE(Runs("dc01").empty());
}

// endpoints set takes the same default on the Deployment Controller, and the agent
// reverts an unconfirmed change there the way it made it: Service Center installed again.
TEST_F(ConfigurationToolTest,
       EndpointsSetOnTheDeploymentControllerAndItsRevertInstallServiceCenter) {
  StartFarm({}, 1);
  std::vector<std::string> args = {"endpoints",         "set", "--yes", "--restart",
                                   "--confirm-timeout", "2s"};
  for (const std::string& m : MoveAll()) args.push_back(m);
  ProcessResult r = farm_->Osctl(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(WaitFor([&] { return Runs("dc01").size() == 2 && Runs("fe01").size() == 2; },
                      absl::Seconds(30)))
      << ReadFile(Record("dc01")) << ReadFile(Record("fe01"));
  const std::vector<std::string> dc = {"/UpgradeInstall", "/InstallServiceCenter"};
  const std::vector<std::string> fe = {"/UpgradeInstall"};
  for (const nlohmann::json& run : Runs("dc01")) {
    EXPECT_EQ(run["switches"].get<std::vector<std::string>>(), dc) << run.dump();
  }
  for (const nlohmann::json& run : Runs("fe01")) {
    EXPECT_EQ(run["switches"].get<std::vector<std::string>>(), fe) << run.dump();
  }
  EXPECT_EQ(Runs("dc01")[1]["platform"], farm_->old_db().address());  // the revert's run
}

// A restored backup changes the Deployment Controller's settings as a change does: its run
// installs Service Center unless told not to.
TEST_F(ConfigurationToolTest, RestoringABackupOnTheDeploymentControllerInstallsServiceCenter) {
  StartFarm({}, 1);
  std::vector<std::string> set = {
      "--output", "json",    "endpoints", "set",
      "--yes",    "--limit", "dc01",      "--no-install-service-center"};
  for (const std::string& m : MoveAll()) set.push_back(m);
  ProcessResult changed = farm_->Osctl(set);
  ASSERT_EQ(changed.exit_code, 0) << changed.out << changed.err;
  const nlohmann::json doc = nlohmann::json::parse(changed.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << changed.out;
  const std::string backup = doc["hosts"][0]["result"]["backupId"].get<std::string>();
  ASSERT_FALSE(backup.empty()) << changed.out;
  ProcessResult skipped = farm_->Osctl({"endpoints", "rollback", "--limit", "dc01", "--backup",
                                        backup, "--no-install-service-center"});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  ASSERT_EQ(farm_->Osctl(set).exit_code, 0);
  ProcessResult restored =
      farm_->Osctl({"endpoints", "rollback", "--limit", "dc01", "--backup", backup});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  std::vector<nlohmann::json> runs = Runs("dc01");
  ASSERT_EQ(runs.size(), 4u) << ReadFile(Record("dc01"));
  const std::vector<std::string> plain = {"/UpgradeInstall"};
  const std::vector<std::string> with = {"/UpgradeInstall", "/InstallServiceCenter"};
  EXPECT_EQ(runs[0]["switches"].get<std::vector<std::string>>(), plain);  // set, skipped
  EXPECT_EQ(runs[1]["switches"].get<std::vector<std::string>>(), plain);  // restore, skipped
  EXPECT_EQ(runs[2]["switches"].get<std::vector<std::string>>(), plain);  // set, skipped
  EXPECT_EQ(runs[3]["switches"].get<std::vector<std::string>>(), with);   // restore, default
  EXPECT_EQ(runs[3]["platform"], farm_->old_db().address());
}

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

TEST_F(ConfigurationToolTest, AFailingToolRevertsItsServerAndTheRolloutRollsBack) {
  ToolSetup setup;
  setup.fail_on_address["fe02"] = "{new}";  // fe02's tool fails on the new database
  StartFarm(setup);
  const std::string original_dc = farm_->Hsconf("dc01");
  const std::string original_fe = farm_->Hsconf("fe02");
  ProcessResult r = Apply({});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("the Configuration Tool failed"));
  EXPECT_THAT(r.out + r.err, HasSubstr("cannot connect to"));  // its output reaches osctl
  const std::string next = farm_->new_db().address(), old = farm_->old_db().address();
  // fe02: failed on the new address, reverted at once, the tool ran again on the old one.
  std::vector<nlohmann::json> fe = Runs("fe02");
  ASSERT_EQ(fe.size(), 2u) << ReadFile(Record("fe02"));
  EXPECT_EQ(fe[0]["platform"], next);
  EXPECT_EQ(fe[0]["exit"], 1);
  EXPECT_EQ(fe[1]["platform"], old);
  EXPECT_EQ(fe[1]["exit"], 0);
  EXPECT_EQ(fe[1]["switches"].get<std::vector<std::string>>(),
            std::vector<std::string>{"/UpgradeInstall"});
  // The others were changed, then rolled back by the rollout: the tool ran on both files,
  // the Deployment Controller's installing Service Center both times (on the new settings,
  // then on the restored ones).
  for (const std::string name : {"dc01", "fe01"}) {
    std::vector<nlohmann::json> runs = Runs(name);
    ASSERT_EQ(runs.size(), 2u) << name << ": " << ReadFile(Record(name));
    EXPECT_EQ(runs[0]["platform"], next) << name;
    EXPECT_EQ(runs[1]["platform"], old) << name;
    std::vector<std::string> expected = {"/UpgradeInstall"};
    if (name == "dc01") expected.push_back("/InstallServiceCenter");
    for (const nlohmann::json& run : runs) {
      EXPECT_EQ(run["switches"].get<std::vector<std::string>>(), expected) << name;
    }
  }
  EXPECT_EQ(farm_->Hsconf("dc01"), original_dc);  // byte for byte
  EXPECT_EQ(farm_->Hsconf("fe02"), original_fe);
  EXPECT_THAT(farm_->Hsconf("fe01"), Not(HasSubstr(next)));
  EXPECT_EQ(farm_->Journal()["phase"], "rolled_back") << farm_->Journal().dump(2);
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

TEST_F(ConfigurationToolTest, AnEndedConfirmWindowRevertsAndRunsTheToolAgain) {
  StartFarm({}, 1);
  std::vector<std::string> args = {"endpoints", "set",     "--restart", "--confirm-timeout",
                                   "2s",        "--limit", "fe01"};
  for (const std::string& m : MoveAll()) args.push_back(m);
  ProcessResult r = farm_->Osctl(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Not confirmed: the agent reverts by itself and runs the tool on the restored file.
  ASSERT_TRUE(WaitFor([&] { return Runs("fe01").size() == 2; }, absl::Seconds(30)))
      << ReadFile(Record("fe01"));
  EXPECT_EQ(Runs("fe01")[0]["platform"], farm_->new_db().address());
  EXPECT_EQ(Runs("fe01")[1]["platform"], farm_->old_db().address());
}

}  // namespace
}  // namespace osfleet::testing
