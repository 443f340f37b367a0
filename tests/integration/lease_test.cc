// Never a split fleet, end to end on a simulated farm with real agents and a real osctl:
// osctl frozen (SIGSTOP) past its lease mid-batch and mid-finish, the network to one
// agent cut, an agent killed and restarted while it holds a lease, --on-failure keep.
// Every run must end with every server on one address, and say so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kPatience = absl::Seconds(60);

FarmOptions Small(int front_ends) {
  FarmOptions o;
  o.front_ends = front_ends;
  o.stays_up_ms = 300;
  o.min_healthy = "300ms";
  return o;
}

class LeaseTest : public ::testing::Test {
 protected:
  void StartFarm(FarmOptions options) {
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), std::move(options));
    ASSERT_TRUE(farm_->Start());
  }
  // `rollout apply --yes --batch 1 --lease 2s --platform NEW ARGS...` in the background;
  // pause_at: where osctl freezes itself (OSFLEET_TEST_PAUSE_AT).
  std::unique_ptr<ChildProcess> ApplyInBackground(std::vector<std::string> extra,
                                                  const std::string& pause_at = "") {
    std::vector<std::string> args = {"rollout", "apply",      "--yes",
                                     "--batch", "1",          "--lease",
                                     "2s",      "--platform", farm_->new_db().address()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::map<std::string, std::string> env = farm_->OsctlEnv();
    if (!pause_at.empty()) env["OSFLEET_TEST_PAUSE_AT"] = pause_at;
    return std::make_unique<ChildProcess>(farm_->OsctlArgv(args), tmp_.Sub("osctl.log"), env);
  }
  std::string Log() { return ReadFile(tmp_.Sub("osctl.log")); }
  bool HostIs(size_t index, const std::string& state) {
    return WaitFor(
        [&] {
          nlohmann::json j = farm_->Journal();
          return !j.is_null() && j["hosts"].size() > index && j["hosts"][index]["state"] == state;
        },
        kPatience);
  }
  bool PhaseIs(const std::string& phase) {
    return WaitFor(
        [&] {
          nlohmann::json j = farm_->Journal();
          return !j.is_null() && j["phase"] == phase;
        },
        kPatience);
  }
  std::vector<std::string> Names() { return farm_->Names(); }
  // Every server's file is the original again (the agents revert by themselves).
  bool EveryoneBackOnTheOldAddress() { return farm_->EveryFileIsTheOriginal(kPatience); }
  bool StatusSaysConverged(const std::string& which) {
    ProcessResult status = farm_->Osctl({"rollout", "status"});
    return absl::StartsWith(status.out, absl::StrCat("converged: every server on the ", which));
  }
  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(LeaseTest, OsctlFrozenPastItsLeaseMidBatchConvergesOnTheOldAddress) {
  StartFarm(Small(3));
  auto osctl = ApplyInBackground({});
  ASSERT_TRUE(HostIs(0, "pending")) << Log();  // the Deployment Controller changed
  ASSERT_EQ(kill(osctl->pid(), SIGSTOP), 0);
  // Frozen: nobody renews. Every changed server reverts by itself within one lease.
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
  ASSERT_EQ(kill(osctl->pid(), SIGCONT), 0);
  EXPECT_NE(osctl->Wait(), 0) << Log();
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "rolled_back") << j.dump(2);
  // Woken right at the lease's end, osctl may find its fleet hold lost before the change's
  // revert shows: either way the note blames the pause.
  EXPECT_THAT(
      j["note"].get<std::string>(),
      ::testing::AnyOf(HasSubstr("no longer hold this rollout's change"), HasSubstr("fleet hold")));
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("too slow for --lease 2s"));
  EXPECT_THAT(Log(), ::testing::AnyOf(HasSubstr("no longer hold"), HasSubstr("was lost")));
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
  EXPECT_TRUE(StatusSaysConverged("old address"));
  // And it can be applied again, to the end (once the reverts' restarts are over).
  ASSERT_TRUE(WaitFor([&] { return farm_->AllRunningEverywhere(); }, kPatience));
  ProcessResult resume = farm_->Osctl({"rollout", "resume", "--yes"});
  EXPECT_EQ(resume.exit_code, 0) << resume.out << resume.err;
  EXPECT_TRUE(StatusSaysConverged("new address"));
}

TEST_F(LeaseTest, OsctlFrozenMidFinishConfirmsNothing) {
  StartFarm(Small(2));
  // Frozen after every lease was verified, before any Confirm is sent.
  auto osctl = ApplyInBackground({}, "after-verify");
  ASSERT_TRUE(PhaseIs("confirming")) << Log();
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());  // the leases end while it is frozen
  ASSERT_EQ(kill(osctl->pid(), SIGCONT), 0);
  EXPECT_NE(osctl->Wait(), 0) << Log();
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "rolled_back") << j.dump(2);
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("could not confirm"));
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
  EXPECT_TRUE(StatusSaysConverged("old address"));
}

TEST_F(LeaseTest, ServerLostAfterOthersConfirmedIsUndoneFromTheirBackups) {
  FarmOptions options = Small(2);
  options.cuttable = {"fe02"};
  StartFarm(options);
  auto osctl = ApplyInBackground({}, "after-verify");
  ASSERT_TRUE(PhaseIs("confirming")) << Log();
  // While osctl is frozen between verifying and confirming, fe02's agent dies; osctl
  // wakes well inside the lease, so the others confirm and fe02 cannot.
  farm_->agent("fe02").process().Stop(SIGKILL);
  ASSERT_EQ(kill(osctl->pid(), SIGCONT), 0);
  EXPECT_NE(osctl->Wait(), 0) << Log();
  nlohmann::json j = farm_->Journal();
  // Either the Confirm to fe02 fails, or osctl's lease keeper, renewing meanwhile, finds
  // fe02 gone first: both stop the rollout and undo it everywhere.
  EXPECT_THAT(j["note"].get<std::string>(),
              ::testing::AnyOf(HasSubstr("could not confirm on fe02"),
                               HasSubstr("no longer hold this rollout's change (fe02")));
  EXPECT_EQ(farm_->Hsconf("dc01"), farm_->original());  // confirmed, then rolled back
  EXPECT_EQ(farm_->Hsconf("fe01"), farm_->original());
  // fe02 restarts with its change still pending: nobody renews it, so it reverts.
  ASSERT_TRUE(farm_->RestartAgent("fe02"));
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
  EXPECT_TRUE(StatusSaysConverged("old address"));
}

TEST_F(LeaseTest, NetworkToOneServerCutMidRolloutConverges) {
  FarmOptions options = Small(3);
  options.cuttable = {"fe01"};
  StartFarm(options);
  auto osctl = ApplyInBackground({});
  ASSERT_TRUE(HostIs(1, "pending")) << Log();  // fe01 changed
  farm_->net("fe01").Cut();
  EXPECT_NE(osctl->Wait(), 0) << Log();
  nlohmann::json j = farm_->Journal();
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("fe01"));
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());  // fe01 too: its lease ended
  farm_->net("fe01").Restore();
  EXPECT_TRUE(StatusSaysConverged("old address"));
}

TEST_F(LeaseTest, AgentRestartedDuringItsLeaseKeepsTheChangeWhileOsctlRenews) {
  FarmOptions options = Small(2);
  options.cuttable = {"dc01"};
  StartFarm(options);
  auto osctl = ApplyInBackground({"--max-fail", "0"}, "before-finish");
  ASSERT_TRUE(PhaseIs("confirming")) << Log();
  // osctl waits before its finish; dc01's agent dies and comes back inside the lease.
  farm_->agent("dc01").process().Stop(SIGKILL);
  ASSERT_TRUE(farm_->RestartAgent("dc01"));
  ASSERT_EQ(kill(osctl->pid(), SIGCONT), 0);
  const int code = osctl->Wait();
  // Either osctl woke inside the new lease and finished, or it did not and everything
  // went back: never a mix.
  if (code == 0) {
    EXPECT_TRUE(StatusSaysConverged("new address")) << Log();
  } else {
    EXPECT_TRUE(EveryoneBackOnTheOldAddress()) << Log();
    EXPECT_TRUE(StatusSaysConverged("old address"));
  }
}

TEST_F(LeaseTest, KeepOnFailureLeavesASplitFleetAndStatusSaysSoFirst) {
  FarmOptions options = Small(2);
  options.service_args["fe02"] = {"--unreachable", "{new}"};
  StartFarm(options);
  auto osctl = ApplyInBackground({"--on-failure", "keep"});
  EXPECT_NE(osctl->Wait(), 0) << Log();
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.out, StartsWith("SPLIT FLEET: dc01, fe01 on the new address; fe02 on the old"))
      << status.out;
  ProcessResult json = farm_->Osctl({"--output", "json", "rollout", "status"});
  nlohmann::json doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << json.out;
  EXPECT_EQ(doc["fleet"]["split"], true);
  // rollback converges it.
  ProcessResult rollback = farm_->Osctl({"rollout", "rollback", "--yes"});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_TRUE(StatusSaysConverged("old address"));
}

TEST_F(LeaseTest, FailureWithinMaxFailStillNeverFinishesSplit) {
  FarmOptions options = Small(2);
  options.service_args["fe01"] = {"--unreachable", "{new}"};
  StartFarm(options);
  auto osctl = ApplyInBackground({"--max-fail", "1"});
  EXPECT_NE(osctl->Wait(), 0) << Log();
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "rolled_back") << j.dump(2);
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("not finished: failed on fe01"));
  EXPECT_EQ(j["hosts"][2]["state"], "rolled_back");  // fe02 went on, then came back
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
  EXPECT_TRUE(StatusSaysConverged("old address"));
}

TEST_F(LeaseTest, EndpointsSetWithALeaseConfirmsEverywhere) {
  StartFarm(Small(2));
  ProcessResult r = farm_->Osctl(
      {"endpoints", "set", "--restart", "--lease", "2s", "--platform", farm_->new_db().address()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("dc01: confirmed"));
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(farm_->new_db().address())) << n;
  }
  ProcessResult again = farm_->Osctl({"--output", "json", "endpoints", "get"});
  EXPECT_THAT(again.out, ::testing::Not(HasSubstr("confirm_deadline"))) << again.out;
}

TEST_F(LeaseTest, EndpointsSetWithALeaseRevertsEverywhereWhenOneServerFails) {
  FarmOptions options = Small(2);
  options.service_args["fe02"] = {"--unreachable", "{new}"};
  StartFarm(options);
  ProcessResult r = farm_->Osctl(
      {"endpoints", "set", "--restart", "--lease", "2s", "--platform", farm_->new_db().address()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("not changed: the change failed on fe02"));
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
}

TEST_F(LeaseTest, LeaseLongerThanTheWindowIsAUsageError) {
  StartFarm(Small(1));
  ProcessResult r =
      farm_->Osctl({"endpoints", "set", "--lease", "20m", "--platform", farm_->new_db().address()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("--lease 20m: must be at least 500ms and at most --confirm-timeout"));
  EXPECT_TRUE(EveryoneBackOnTheOldAddress());
}

}  // namespace
}  // namespace osfleet::testing
