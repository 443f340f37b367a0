// FleetHold with a clock the test moves: one taker at a time, the lease (renewed or
// lapsed), owner-only renew and release, the record kept across a restart (what is left
// by the wall clock, never more than the lease), and the refusal on a Front-End.
#include "agent/endpoints/fleet_hold.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;
using ::testing::AllOf;
using ::testing::HasSubstr;

const HoldOwner kAlice{"alice", "0A"};
const HoldOwner kBob{"bob", "0B"};

class FleetHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    path_ = (dir_ / "hold.json").string();
  }
  static TakeHoldInput By(const HoldOwner& owner, const std::string& rollout,
                          absl::Duration lease = absl::Seconds(30)) {
    return {rollout, "ws01", 42, lease, owner};
  }
  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::filesystem::path dir_;
  std::string path_;
  FakeClock clock_;
};

TEST_F(FleetHoldTest, SecondTakeIsRefusedNamingTheHolderUntilTheLeaseEnds) {
  FleetHold hold(path_, "", &clock_);
  absl::StatusOr<TakeHoldOutcome> first = hold.Take(By(kAlice, "R1"));
  ASSERT_OK(first);
  absl::StatusOr<TakeHoldOutcome> second = hold.Take(By(kBob, "R2"));
  ASSERT_TRUE(absl::IsFailedPrecondition(second.status()));
  EXPECT_THAT(second.status().message(),
              AllOf(HasSubstr("held by rollout R1"), HasSubstr("alice (serial 0A)"),
                    HasSubstr("ws01 pid 42"), HasSubstr("since 2027-01-15T08:00:00Z"),
                    HasSubstr("lease ends 2027-01-15T08:00:30Z (in 30s)")));
  clock_.Advance(absl::Seconds(29));
  EXPECT_FALSE(hold.Take(By(kBob, "R2")).ok());
  clock_.Advance(absl::Seconds(1));
  second = hold.Take(By(kBob, "R2"));
  ASSERT_OK(second);
  EXPECT_THAT(second->replaced, HasSubstr("rollout R1"));
  EXPECT_EQ(hold.Current()->record.rollout_id, "R2");
}

TEST_F(FleetHoldTest, RenewalsKeepItAndOnlyItsTakerRenewsOrReleases) {
  FleetHold hold(path_, "", &clock_);
  const std::string id = hold.Take(By(kAlice, "R1"))->hold.record.hold_id;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(20));
    ASSERT_OK(hold.Renew(id, kAlice, absl::ZeroDuration()));
  }
  EXPECT_FALSE(hold.Take(By(kBob, "R2")).ok());
  absl::StatusOr<HoldView> stolen = hold.Renew(id, kBob, absl::Milliseconds(100));
  EXPECT_TRUE(absl::IsPermissionDenied(stolen.status()));
  EXPECT_THAT(stolen.status().message(), AllOf(HasSubstr("belongs to alice"), HasSubstr("bob")));
  // Same CN, another certificate: not the taker either.
  EXPECT_TRUE(absl::IsPermissionDenied(hold.Release(id, {"alice", "0C"})));
  EXPECT_TRUE(absl::IsPermissionDenied(hold.Release(id, kBob)));
  EXPECT_EQ(hold.Current()->remaining, absl::Seconds(30));
  EXPECT_TRUE(absl::IsNotFound(hold.Renew("hold-other", kAlice, absl::ZeroDuration()).status()));
  ASSERT_OK(hold.Release(id, kAlice));
  EXPECT_FALSE(hold.Current().has_value());
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_TRUE(absl::IsNotFound(hold.Release(id, kAlice)));
  EXPECT_OK(hold.Take(By(kBob, "R2")));
}

TEST_F(FleetHoldTest, TheSameRolloutByItsTakerTakesItOver) {
  FleetHold hold(path_, "", &clock_);
  const std::string dead = hold.Take(By(kAlice, "R1"))->hold.record.hold_id;
  // Another operator resuming R1 is refused; R1's own operator (osctl died) is not.
  EXPECT_FALSE(hold.Take(By(kBob, "R1")).ok());
  absl::StatusOr<TakeHoldOutcome> resumed = hold.Take(By(kAlice, "R1"));
  ASSERT_OK(resumed);
  EXPECT_NE(resumed->hold.record.hold_id, dead);
  EXPECT_THAT(resumed->replaced, HasSubstr(dead));
  EXPECT_TRUE(absl::IsNotFound(hold.Renew(dead, kAlice, absl::ZeroDuration()).status()));
}

TEST_F(FleetHoldTest, ALapsedLeaseIsNeverRenewed) {
  FleetHold hold(path_, "", &clock_);
  const std::string id = hold.Take(By(kAlice, "R1", absl::Seconds(2)))->hold.record.hold_id;
  clock_.Advance(absl::Seconds(3));
  absl::StatusOr<HoldView> late = hold.Renew(id, kAlice, absl::ZeroDuration());
  EXPECT_TRUE(absl::IsFailedPrecondition(late.status()));
  EXPECT_THAT(late.status().message(), HasSubstr("ended 1s ago without a renewal"));
}

TEST_F(FleetHoldTest, KeptAcrossARestartWithWhatIsLeftOfItsLease) {
  {
    FleetHold hold(path_, "", &clock_);
    ASSERT_OK(hold.Take(By(kAlice, "R1")));
  }
  clock_.Advance(absl::Seconds(10));
  FleetHold restarted(path_, "", &clock_);
  ASSERT_OK(restarted.Recover());
  ASSERT_TRUE(restarted.Current().has_value());
  EXPECT_EQ(restarted.Current()->remaining, absl::Seconds(20));
  EXPECT_FALSE(restarted.Take(By(kBob, "R2")).ok());
  // A wall clock set back never gives it more than its lease.
  clock_.SetWallClock(clock_.Now() - absl::Hours(5));
  FleetHold again(path_, "", &clock_);
  ASSERT_OK(again.Recover());
  EXPECT_EQ(again.Current()->remaining, absl::Seconds(30));
}

TEST_F(FleetHoldTest, ACorruptRecordIsReportedAndFreesNothingElse) {
  { std::ofstream(path_) << "{\"hold_id\": 7}"; }
  FleetHold hold(path_, "", &clock_);
  absl::Status s = hold.Recover();
  EXPECT_TRUE(absl::IsDataLoss(s));
  EXPECT_THAT(s.message(), HasSubstr(path_));
  EXPECT_FALSE(hold.Current().has_value());
}

TEST_F(FleetHoldTest, AFrontEndKeepsNoHold) {
  FleetHold hold(path_, "this agent (fe01) is a front_end; ask the Deployment Controller", &clock_);
  absl::StatusOr<TakeHoldOutcome> taken = hold.Take(By(kAlice, "R1"));
  EXPECT_TRUE(absl::IsFailedPrecondition(taken.status()));
  EXPECT_THAT(taken.status().message(), HasSubstr("fe01) is a front_end"));
}

}  // namespace
}  // namespace osfleet::agent
