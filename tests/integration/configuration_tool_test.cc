// The Configuration Tool steps of a rollout on a simulated farm: every agent runs a fake
// ConfigurationTool.com (tests/fakes) after each change of server.hsconf, reverts
// included, one server at a time across the fleet; a failing tool reverts its server and
// the rollout rolls back; the database admin's credentials reach the tool and nothing else.
// The Deployment Controller's run installs Service Center by default (its reverts too).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "Pa55-w0rd!for-the-SA";

struct ToolSetup {
  std::string apply = "[/UpgradeInstall]";
  std::map<std::string, std::string> fail_on_address;  // server -> address it fails on
  std::string fail_file;                               // every tool fails while it exists
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
      if (!setup.fail_file.empty())
        absl::StrAppend(&command, ", \"--fail-file=", setup.fail_file, "\"");
      command += "]";
      o.extra_config[name] =
          absl::StrCat("configuration_tool:\n  command: ", command, "\n  apply: ", setup.apply,
                       "\n  timeout: 60s\n  log_file: ", log, "\n");
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
  std::string Credentials(mode_t mode) {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\ndb_admin_password: \"", kPassword, "\"\n"));
    chmod(path.c_str(), mode);
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

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
  std::vector<std::string> names_;
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
    if (req.value("op", "") != "Staging_PublishWith2StepOption" || !req["modules"].is_array())
      continue;
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
