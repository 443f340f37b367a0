// ChangeManager's leases, on a real server.hsconf in a temp dir with a clock the test
// moves: a change held by renewals, reverted one lease after they stop, never past its
// window, renewed only by its owner (also after an agent restart).
#include <filesystem>
#include <string>

#include "agent/endpoints/change_manager.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/endpoints/change_manager_fixture.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kLease = absl::Seconds(30);

TEST_F(ChangeManagerTest, LeaseThatIsNotRenewedRevertsLongBeforeTheWindowEnds) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.Advance(kLease - absl::Milliseconds(1));
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_EQ(Renew(out->set.change_id).status, ChangeStatus::kPending);
  clock_.Advance(kLease);  // no renewal for a whole lease
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_THAT(last_revert_.reason, HasSubstr("lease of 30s ended"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  const RenewOutcome late = Renew(out->set.change_id);
  EXPECT_EQ(late.status, ChangeStatus::kReverted);
  EXPECT_THAT(late.detail, HasSubstr("lease of 30s ended"));
  absl::StatusOr<std::string> confirm = manager_->Confirm(out->set.change_id);
  EXPECT_TRUE(absl::IsFailedPrecondition(confirm.status())) << confirm.status();
}

TEST_F(ChangeManagerTest, RenewedLeaseHoldsTheChangeUntilConfirmed) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  for (int i = 0; i < 20; ++i) {  // 20 x 20s: far past one lease, inside the window
    clock_.Advance(absl::Seconds(20));
    const RenewOutcome r = Renew(out->set.change_id);
    ASSERT_EQ(r.status, ChangeStatus::kPending) << r.detail;
    EXPECT_EQ(r.lease_remaining, kLease);
    EXPECT_EQ(r.confirm_remaining, kWindow - absl::Seconds(20) * (i + 1));
    EXPECT_EQ(r.revision, out->set.revision);
  }
  EXPECT_FALSE(reverted_->HasBeenNotified());
  ASSERT_TRUE(manager_->Confirm(out->set.change_id).ok());
  EXPECT_EQ(Renew(out->set.change_id).status, ChangeStatus::kConfirmed);
  clock_.Advance(absl::Hours(1));
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_TRUE(FileHasNewAddress());
}

TEST_F(ChangeManagerTest, RenewalNeverOutlivesTheWindow) {
  MakeManager();
  const absl::Duration window = absl::Seconds(45);
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(window, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(absl::Seconds(25));
  const RenewOutcome r = Renew(out->set.change_id);
  ASSERT_EQ(r.status, ChangeStatus::kPending);
  EXPECT_EQ(r.lease_remaining, absl::Seconds(20));  // capped by the window
  clock_.Advance(absl::Seconds(20));
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, EndedLeaseIsNeverRenewedEvenBeforeTheRevertRuns) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(kLease);
  // The timer may or may not have reverted yet: either way the change is not pending.
  const RenewOutcome r = Renew(out->set.change_id);
  EXPECT_NE(r.status, ChangeStatus::kPending);
  EXPECT_THAT(r.detail, HasSubstr("lease of 30s ended"));
  EXPECT_FALSE(manager_->Confirm(out->set.change_id).ok());
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, WallClockJumpsNeitherEndNorExtendALease) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.SetWallClock(clock_.Now() + absl::Hours(2));  // forward past the window
  RenewOutcome r = Renew(out->set.change_id);
  ASSERT_EQ(r.status, ChangeStatus::kPending) << r.detail;
  EXPECT_EQ(r.confirm_remaining, kWindow);
  ASSERT_TRUE(manager_->Confirm(out->set.change_id).ok());
  EXPECT_FALSE(reverted_->HasBeenNotified());

  // A backward jump does not keep a lease alive either.
  MakeManager();
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  ASSERT_TRUE(doc.ok());
  ApplyInput input;
  input.set.edits = {{DatabaseId::kPlatform, "sqlother.corp.example.com"}};
  input.set.expected_revision = doc->revision;
  input.confirm_within = kWindow;
  input.lease = kLease;
  absl::StatusOr<ApplyOutcome> second = manager_->Apply(std::move(input), nullptr);
  ASSERT_TRUE(second.ok()) << second.status();
  clock_.SetWallClock(clock_.Now() - absl::Hours(2));
  clock_.Advance(kLease);
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(last_revert_.change_id, second->set.change_id);
}

TEST_F(ChangeManagerTest, RestartedAgentGivesAWholeLeaseAndOnlyWhatIsLeftOfTheWindow) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(absl::Seconds(20));
  manager_.reset();  // the agent stops for 4 minutes (longer than the lease)
  clock_.Advance(absl::Minutes(4));
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  const RenewOutcome r = Renew(out->set.change_id);
  ASSERT_EQ(r.status, ChangeStatus::kPending) << r.detail;
  EXPECT_EQ(r.confirm_remaining, kWindow - absl::Seconds(20) - absl::Minutes(4));
  EXPECT_EQ(r.lease_remaining, kLease);
  clock_.Advance(kLease);  // the client is gone: one lease later it is reverted
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, RenewOfAChangeThisAgentNeverMadeSaysUnknown) {
  MakeManager();
  const RenewOutcome r = Renew("20261202-000000-dead");
  EXPECT_EQ(r.status, ChangeStatus::kUnknown);
  EXPECT_THAT(r.detail, HasSubstr("not known to this agent"));
}

TEST_F(ChangeManagerTest, AnotherClientsRenewIsRefusedNamingTheOwnerAndChangesNothing) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<RenewOutcome> other =
      manager_->Renew(out->set.change_id, absl::Milliseconds(500), "mallory (serial 0B)");
  EXPECT_TRUE(absl::IsPermissionDenied(other.status())) << other.status();
  EXPECT_THAT(other.status().message(), HasSubstr("held by alice (serial 0A)"));
  // The same CN on another certificate is another client.
  EXPECT_TRUE(absl::IsPermissionDenied(
      manager_->Renew(out->set.change_id, absl::ZeroDuration(), "alice (serial 0C)").status()));
  clock_.Advance(kLease - absl::Seconds(1));
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_TRUE(manager_->Confirm(out->set.change_id).ok());
}

TEST_F(ChangeManagerTest, OwnerShorteningTheLeaseRevertsWhenTheShortLeaseEnds) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));  // the timer sleeps until the lease's end
  const absl::Time before = clock_.Now();
  const RenewOutcome r = Renew(out->set.change_id, absl::Seconds(1));
  ASSERT_EQ(r.status, ChangeStatus::kPending);
  EXPECT_EQ(r.lease_remaining, absl::Seconds(1));
  EXPECT_TRUE(r.moved);
  EXPECT_EQ(r.lease_end_before, before + kLease);
  EXPECT_EQ(r.lease_end_after, before + absl::Seconds(1));
  // The timer was woken and sleeps again until the new, earlier end.
  ASSERT_TRUE(AlarmAt(clock_.Monotonic() + absl::Seconds(1))) << clock_.NextAlarm();
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_THAT(last_revert_.reason, HasSubstr("shortened to 1s by its owner's last renewal"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, OwnershipSurvivesAnAgentRestart) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(ReadBytes(PendingPath()), HasSubstr("\"owner\": \"alice (serial 0A)\""));
  manager_.reset();
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      manager_->Renew(out->set.change_id, absl::ZeroDuration(), "mallory (serial 0B)").status()));
  EXPECT_EQ(Renew(out->set.change_id).status, ChangeStatus::kPending);
}

}  // namespace
}  // namespace osfleet::agent
