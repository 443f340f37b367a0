// The Configuration Tool steps of a rollout on a simulated farm: every agent runs the tool
// after each change of server.hsconf, reverts included, one server at a time across the
// fleet; a failing tool reverts its server and the rollout rolls back. The Deployment
// Controller's run installs Service Center by default (its reverts and restores too).
#include "tests/integration/configuration_tool_fixture.h"

namespace osfleet::testing {
namespace {

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
