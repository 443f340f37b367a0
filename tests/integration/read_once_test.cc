// The promise against services as strict as OutSystems' own: the simulated services read
// server.hsconf only when they start (tests/fakes/simulated_service_main.cc), so a revert
// of the file that does not restart them leaves them on the address just taken away —
// a split fleet that a check of the files alone calls converged. Every case kills osctl
// (kill -9) after the services restarted on the new address and checks that every
// server's services end up running on the old one, and that status says so only then.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::Duration kPatience = absl::Seconds(60);

class ReadOnceTest : public ::testing::Test {
 protected:
  void StartFarm(bool configuration_tool, int tool_delay_ms = 50) {
    FarmOptions o;
    o.tool_delay_ms = tool_delay_ms;
    o.front_ends = 2;
    o.stays_up_ms = 200;
    o.min_healthy = "200ms";
    o.service_center = false;
    o.configuration_tool = configuration_tool;
    o.cuttable = {"dc01"};  // its inventory address survives a restart of its agent
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), std::move(o));
    ASSERT_TRUE(farm_->Start());
  }
  std::string Old() { return farm_->old_db().address(); }
  std::string New() { return farm_->new_db().address(); }
  std::vector<std::string> Names() { return farm_->Names(); }
  // osctl ARGS in the background, frozen by itself at `pause_at` (if any).
  std::unique_ptr<ChildProcess> Background(const std::vector<std::string>& args,
                                           const std::string& pause_at = "") {
    std::map<std::string, std::string> env = farm_->OsctlEnv();
    if (!pause_at.empty()) env["OSFLEET_TEST_PAUSE_AT"] = pause_at;
    return std::make_unique<ChildProcess>(farm_->OsctlArgv(args), tmp_.Sub("osctl.log"), env);
  }
  std::string Log() { return ReadFile(tmp_.Sub("osctl.log")); }
  // Every server's services run, started on `platform`.
  bool EveryServiceRunsOn(const std::string& platform) {
    return WaitFor(
        [&] {
          for (const std::string& n : Names()) {
            if (!farm_->ServicesRunOn(n, platform)) return false;
          }
          return true;
        },
        kPatience);
  }
  bool EveryFileIsTheOriginal() { return farm_->EveryFileIsTheOriginal(kPatience); }
  std::string Running(const std::string& name) {
    std::string out;
    for (const std::string& p : farm_->RunningPlatform(name)) absl::StrAppend(&out, p, " ");
    return out;
  }
  bool LogSays(const std::string& text) {
    return WaitFor([&] { return absl::StrContains(Log(), text); }, absl::Seconds(10));
  }
  // A rollout whose Configuration Tool runs take 2 s each, one server at a time.
  std::unique_ptr<ChildProcess> SlowRollout() {
    return Background({"rollout", "apply", "--yes", "--batch", "1", "--lease", "2s",
                       "--skip-service-center", "--platform", New()});
  }
  bool FirstServerInItsStep() {
    return WaitFor(
        [&] {
          nlohmann::json j = farm_->Journal();
          // Sent, and written: the Configuration Tool's 2 s run is under way.
          return !j.is_null() && !j["hosts"].empty() && j["hosts"][0]["state"] == "applying" &&
                 farm_->Hsconf("dc01") != farm_->original();
        },
        kPatience);
  }
  // `rollout status` says so (polled: a change may still be pending).
  bool StatusSaysConvergedOnTheOldAddress() {
    return WaitFor(
        [&] {
          return absl::StartsWith(farm_->Osctl({"rollout", "status"}).out,
                                  "converged: every server on the old address");
        },
        kPatience);
  }
  // Kills osctl where it froze itself, as a lost laptop or a second Ctrl-C would.
  void KillFrozen(ChildProcess& osctl) {
    ASSERT_EQ(kill(osctl.pid(), SIGKILL), 0);
    osctl.Wait();
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(ReadOnceTest, RolloutWithTheConfigurationToolKilledAfterTheRestartEndsOnTheOldAddress) {
  StartFarm(/*configuration_tool=*/true);
  // With the tool, each server takes Set (write + tool, no restart) one at a time, then
  // Endpoints.Restart restarts the batch; osctl freezes once every batch is healthy.
  auto osctl = Background({"rollout", "apply", "--yes", "--batch", "1", "--lease", "2s",
                           "--skip-service-center", "--platform", New()},
                          "before-finish");
  ASSERT_TRUE(EveryServiceRunsOn(New())) << Log();
  KillFrozen(*osctl);
  // Nobody renews: every agent restores its file, runs the tool on it and — since its
  // services run on the revision it just took away — restarts them.
  EXPECT_TRUE(EveryFileIsTheOriginal());
  EXPECT_TRUE(EveryServiceRunsOn(Old()))
      << "dc01: " << Running("dc01") << "fe01: " << Running("fe01") << "fe02: " << Running("fe02");
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_THAT(status.out, StartsWith("converged: every server on the old address")) << status.out;
  ProcessResult fleet = farm_->Osctl({"fleet", "status"});
  EXPECT_THAT(fleet.out, Not(HasSubstr("restart needed"))) << fleet.out;
}

TEST_F(ReadOnceTest, EndpointsSetWithALeaseKilledAfterTheRestartEndsOnTheOldAddress) {
  StartFarm(/*configuration_tool=*/true);
  auto osctl = Background({"endpoints", "set", "--restart", "--lease", "2s", "--platform", New()},
                          "endpoints-before-confirm");
  ASSERT_TRUE(EveryServiceRunsOn(New())) << Log();
  KillFrozen(*osctl);
  EXPECT_TRUE(EveryFileIsTheOriginal());
  EXPECT_TRUE(EveryServiceRunsOn(Old())) << "dc01: " << Running("dc01");
}

// The change itself did not restart; the operator restarted the services by hand while it
// was pending, and one agent restarted. The revert must not trust the change's own "no
// restart".
TEST_F(ReadOnceTest, RevertRestartsServicesRestartedByHandWhileTheChangeWasPending) {
  StartFarm(/*configuration_tool=*/false);
  // A lease long enough for the osctl calls made while it is held (under a sanitizer on a
  // loaded machine, a 2 s lease can lapse between two renewals, and the change reverts
  // before `services restart` runs).
  auto osctl = Background({"endpoints", "set", "--lease", "8s", "--platform", New()},
                          "endpoints-before-confirm");
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& n : Names()) {
          if (farm_->Hsconf(n) == farm_->original()) return false;
        }
        return true;
      },
      kPatience))
      << Log();
  // Written, not restarted: the services still run on the old address, and status says
  // they must restart for the file to take effect.
  ProcessResult before = farm_->Osctl({"fleet", "status"});
  EXPECT_THAT(before.out, HasSubstr("restart needed")) << before.out;
  EXPECT_THAT(before.out, HasSubstr("restart: osctl services restart --limit fe01")) << before.out;
  ProcessResult restart = farm_->Osctl({"services", "restart"});
  ASSERT_EQ(restart.exit_code, 0) << restart.out << restart.err;
  ASSERT_TRUE(EveryServiceRunsOn(New()));
  // dc01's agent dies and comes back in between (its services keep running): it must
  // still know what they run on.
  farm_->agent("dc01").process().Stop(SIGKILL);
  ASSERT_TRUE(farm_->RestartAgent("dc01"));
  KillFrozen(*osctl);
  EXPECT_TRUE(EveryFileIsTheOriginal());
  EXPECT_TRUE(EveryServiceRunsOn(Old())) << "dc01: " << Running("dc01");
  ProcessResult after = farm_->Osctl({"--output", "json", "fleet", "status"});
  nlohmann::json doc = nlohmann::json::parse(after.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << after.out;
  ASSERT_TRUE(doc["hosts"].is_array()) << after.out << after.err;
  for (const auto& host : doc["hosts"]) {
    ASSERT_TRUE(host.contains("result")) << host.dump(2);
    EXPECT_EQ(host["result"]["servicesCurrent"], true) << host.dump(2);
  }
}

// A file changed without a restart is not converged, whatever the files say.
TEST_F(ReadOnceTest, RolloutStatusNamesTheServerWhoseServicesLag) {
  StartFarm(/*configuration_tool=*/false);
  ProcessResult apply =
      farm_->Osctl({"rollout", "apply", "--yes", "--skip-service-center", "--platform", New()});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  ASSERT_TRUE(EveryServiceRunsOn(New()));
  // Someone puts every file back by hand, without restarting anything: every file is on
  // the old address, every service still on the new one.
  for (const std::string& n : Names()) WriteFile(farm_->agent(n).hsconf(), farm_->original());
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.out, StartsWith("NOT CONVERGED: services run on another server.hsconf"))
      << status.out;
  EXPECT_THAT(status.out, HasSubstr("fe02: OutSystems Deployment Service runs on revision"))
      << status.out;
  ProcessResult json = farm_->Osctl({"--output", "json", "rollout", "status"});
  nlohmann::json doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << json.out;
  EXPECT_EQ(doc["fleet"]["converged"], false);
  EXPECT_EQ(doc["fleet"]["services_lag"], true);
  EXPECT_THAT(doc["fleet"]["servers"]["fe02"]["services_lag"].get<std::string>(),
              HasSubstr("restart: osctl services restart --limit fe02"));
}

// Ctrl-C is heard at once and says what happens; the second explains why osctl waits;
// the step in progress ends, then everything is rolled back.
TEST_F(ReadOnceTest, CtrlCIsAcknowledgedAtOnceAndASecondOneWaitsForTheStep) {
  StartFarm(/*configuration_tool=*/true, /*tool_delay_ms=*/2000);
  auto osctl = SlowRollout();
  ASSERT_TRUE(FirstServerInItsStep()) << Log();
  ASSERT_EQ(kill(osctl->pid(), SIGINT), 0);
  EXPECT_TRUE(LogSays("osctl: Ctrl-C: stopping. The step in progress finishes first")) << Log();
  ASSERT_EQ(kill(osctl->pid(), SIGINT), 0);
  EXPECT_TRUE(LogSays("osctl: still waiting for the step in progress")) << Log();
  EXPECT_NE(osctl->Wait(), 0) << Log();  // stopped and rolled back, not killed
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "rolled_back") << j.dump(2);
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("interrupted")) << j.dump(2);
  EXPECT_TRUE(EveryFileIsTheOriginal());
  EXPECT_TRUE(EveryServiceRunsOn(Old()));
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_THAT(status.out, StartsWith("converged: every server on the old address")) << status.out;
}

// A third Ctrl-C leaves at once; the leases put every server back, services included.
TEST_F(ReadOnceTest, AThirdCtrlCLeavesAndTheLeasesPutEveryServerBack) {
  StartFarm(/*configuration_tool=*/true, /*tool_delay_ms=*/2000);
  auto osctl = SlowRollout();
  ASSERT_TRUE(FirstServerInItsStep()) << Log();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(kill(osctl->pid(), SIGINT), 0);
    if (i == 0) {
      ASSERT_TRUE(LogSays("osctl: Ctrl-C: stopping.")) << Log();
    } else if (i == 1) {
      ASSERT_TRUE(LogSays("Press Ctrl-C once more to leave anyway")) << Log();
    }
  }
  EXPECT_EQ(osctl->Wait(), 128 + SIGINT) << Log();
  // dc01 finishes the step osctl abandoned, then its lease ends and it reverts.
  EXPECT_TRUE(StatusSaysConvergedOnTheOldAddress());
  EXPECT_TRUE(EveryFileIsTheOriginal());
  EXPECT_TRUE(EveryServiceRunsOn(Old()));
}

// osctl dies while a server's change is in flight (its Configuration Tool running): a
// rollback started at once finds that agent busy, waits for it, and brings it back.
TEST_F(ReadOnceTest, RollbackRightAfterAKilledOsctlWaitsForTheChangeInFlight) {
  StartFarm(/*configuration_tool=*/true, /*tool_delay_ms=*/2000);
  auto osctl = SlowRollout();
  ASSERT_TRUE(FirstServerInItsStep()) << Log();
  ASSERT_EQ(kill(osctl->pid(), SIGKILL), 0);
  osctl->Wait();
  ProcessResult rollback = farm_->Osctl({"rollout", "rollback", "--yes"});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_THAT(rollback.err, Not(HasSubstr("rollback failed"))) << rollback.err;
  EXPECT_TRUE(StatusSaysConvergedOnTheOldAddress());
  EXPECT_TRUE(EveryFileIsTheOriginal());
  EXPECT_TRUE(EveryServiceRunsOn(Old()));
}

}  // namespace
}  // namespace osfleet::testing
