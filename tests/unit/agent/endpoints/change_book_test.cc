// ChangeBook on a clock the test moves, and nothing else (no files, no processes): when a
// window and a lease start and end, what a renewal moves, why a change ended, and how many
// ended changes are remembered.
#include "agent/endpoints/change_book.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;
using ::testing::HasSubstr;

constexpr absl::Duration kWindow = absl::Minutes(10);
constexpr absl::Duration kLease = absl::Seconds(30);
constexpr char kOwner[] = "alice (serial 0A)";

class ChangeBookTest : public ::testing::Test {
 protected:
  // A change as Apply records it, with `lease` (zero: none) inside kWindow.
  static PendingChange Change(absl::Duration lease = kLease, std::string id = "c1") {
    PendingChange c;
    c.change_id = std::move(id);
    c.backup_id = "b1";
    c.backup_revision = "r0";
    c.revision = "r1";
    c.window = kWindow;
    c.lease = lease;
    c.owner = kOwner;
    return c;
  }
  // `change` written and healthy now, and held as the pending change.
  PendingChange Start(PendingChange change) {
    PendingChange started = book_.Started(std::move(change));
    book_.SetPending(started);
    return started;
  }
  RenewOutcome Renew(const std::string& id, absl::Duration lease = absl::ZeroDuration()) {
    absl::StatusOr<RenewOutcome> r = book_.Renew(id, lease, kOwner);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RenewOutcome{};
  }
  bool PendingHasEnded() { return book_.HasEnded(*book_.pending()); }

  FakeClock clock_;
  ChangeBook book_{&clock_};
};

TEST_F(ChangeBookTest, StartedRunsTheWindowAndTheLeaseFromNow) {
  const absl::Time wall = clock_.Now();
  const PendingChange c = book_.Started(Change());
  EXPECT_EQ(c.deadline, wall + kWindow);
  EXPECT_EQ(c.confirm_until, clock_.Monotonic() + kWindow);
  EXPECT_EQ(c.lease_until, clock_.Monotonic() + kLease);
  EXPECT_EQ(c.ends(), c.lease_until);
}

TEST_F(ChangeBookTest, LeaseEndsOneLeaseAfterTheStartWithoutARenewal) {
  Start(Change());
  clock_.Advance(kLease - absl::Milliseconds(1));
  EXPECT_FALSE(PendingHasEnded());
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(PendingHasEnded());
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(book_.EndReason(*book_.pending()), "its lease of 30s ended 2s ago without a renewal");
}

TEST_F(ChangeBookTest, WithoutALeaseOnlyTheWindowEnds) {
  const PendingChange c = Start(Change(absl::ZeroDuration()));
  EXPECT_EQ(c.lease_until, absl::InfiniteDuration());
  clock_.Advance(kWindow - absl::Milliseconds(1));
  EXPECT_FALSE(PendingHasEnded());
  clock_.Advance(absl::Milliseconds(1) + absl::Milliseconds(1500));
  EXPECT_TRUE(PendingHasEnded());
  EXPECT_EQ(book_.EndReason(c), absl::StrCat("not confirmed by ", DeadlineText(c.deadline),
                                             " (its window ended 1.5s ago)"));
  absl::StatusOr<RenewOutcome> r = book_.Renew("c1", absl::ZeroDuration(), kOwner);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ChangeStatus::kReverting);
  EXPECT_THAT(r->detail, HasSubstr("(its window ended 1.5s ago); it is being reverted"));
}

// Until the services are healthy only the window runs: a restart may take longer than a
// lease, and the client is waiting for the change meanwhile.
TEST_F(ChangeBookTest, OpenedChangeRunsOnlyItsWindowAndARenewalLeavesItAlone) {
  const PendingChange c = book_.Opened(Change());
  EXPECT_EQ(c.deadline, clock_.Now() + kWindow);
  EXPECT_EQ(c.lease_until, absl::InfiniteDuration());
  book_.SetPending(c);
  clock_.Advance(kLease * 3);
  EXPECT_FALSE(PendingHasEnded());
  const RenewOutcome r = Renew("c1");
  EXPECT_EQ(r.status, ChangeStatus::kPending);
  EXPECT_FALSE(r.moved);
  EXPECT_EQ(r.lease_remaining, kLease);  // all of it: it has not started
  EXPECT_EQ(r.confirm_remaining, kWindow - kLease * 3);
  EXPECT_EQ(book_.pending()->lease_until, absl::InfiniteDuration());
}

TEST_F(ChangeBookTest, RenewalRestartsTheLeaseAndSaysWhereItsEndMoved) {
  Start(Change());
  clock_.Advance(absl::Seconds(20));
  const absl::Time wall = clock_.Now();
  const RenewOutcome r = Renew("c1");
  EXPECT_EQ(r.status, ChangeStatus::kPending);
  EXPECT_EQ(r.revision, "r1");
  EXPECT_EQ(r.lease_remaining, kLease);
  EXPECT_EQ(r.confirm_remaining, kWindow - absl::Seconds(20));
  EXPECT_TRUE(r.moved);
  EXPECT_EQ(r.lease_end_before, wall + absl::Seconds(10));
  EXPECT_EQ(r.lease_end_after, wall + kLease);
  // Renewed at once again: the end stays where it is.
  EXPECT_FALSE(Renew("c1").moved);
  clock_.Advance(kLease - absl::Milliseconds(1));
  EXPECT_FALSE(PendingHasEnded());
}

TEST_F(ChangeBookTest, OwnerShortensTheLeaseAndLengthensItAgain) {
  Start(Change());
  const absl::Time wall = clock_.Now();
  RenewOutcome r = Renew("c1", absl::Seconds(1));
  EXPECT_EQ(r.lease_remaining, absl::Seconds(1));
  EXPECT_TRUE(r.moved);
  EXPECT_EQ(r.lease_end_before, wall + kLease);
  EXPECT_EQ(r.lease_end_after, wall + absl::Seconds(1));
  EXPECT_EQ(book_.pending()->shortened_to, absl::Seconds(1));

  r = Renew("c1", absl::Minutes(2));  // longer than granted: the owner may, inside the window
  EXPECT_EQ(r.lease_remaining, absl::Minutes(2));
  EXPECT_EQ(book_.pending()->shortened_to, absl::ZeroDuration());

  r = Renew("c1", absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(PendingHasEnded());
  EXPECT_EQ(book_.EndReason(*book_.pending()),
            "its lease, shortened to 1s by its owner's last renewal, ended 0 ago");
}

TEST_F(ChangeBookTest, LeaseNeverRunsPastTheWindow) {
  PendingChange c = Change();
  c.window = absl::Seconds(45);
  Start(c);
  clock_.Advance(absl::Seconds(25));
  RenewOutcome r = Renew("c1");
  EXPECT_EQ(r.lease_remaining, absl::Seconds(20));
  EXPECT_EQ(r.confirm_remaining, absl::Seconds(20));
  r = Renew("c1", absl::Minutes(5));
  EXPECT_EQ(r.lease_remaining, absl::Seconds(20));
  clock_.Advance(absl::Seconds(20));
  EXPECT_TRUE(PendingHasEnded());
  // The lease ends with the window: the lease is what the client stopped renewing.
  EXPECT_THAT(book_.EndReason(*book_.pending()), HasSubstr("its lease of 30s ended"));
}

TEST_F(ChangeBookTest, AnEndedLeaseIsNeverRenewed) {
  Start(Change());
  clock_.Advance(kLease);
  const RenewOutcome r = Renew("c1");
  EXPECT_EQ(r.status, ChangeStatus::kReverting);
  EXPECT_EQ(r.detail, "its lease of 30s ended 0 ago without a renewal; it is being reverted");
  EXPECT_FALSE(r.moved);
  EXPECT_TRUE(PendingHasEnded());
  absl::Status refused = book_.CheckRunning(*book_.pending(), "confirmed");
  EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
  EXPECT_EQ(refused.message(),
            "change c1 cannot be confirmed: its lease of 30s ended 0 ago without a renewal; it "
            "is being reverted");
}

TEST_F(ChangeBookTest, AnotherClientsRenewalIsRefusedAndChangesNothing) {
  const PendingChange c = Start(Change());
  absl::StatusOr<RenewOutcome> other = book_.Renew("c1", absl::Seconds(1), "mallory (serial 0B)");
  EXPECT_TRUE(absl::IsPermissionDenied(other.status())) << other.status();
  EXPECT_THAT(other.status().message(), HasSubstr("held by alice (serial 0A)"));
  EXPECT_EQ(book_.pending()->lease_until, c.lease_until);
  EXPECT_EQ(book_.pending()->shortened_to, absl::ZeroDuration());
}

TEST_F(ChangeBookTest, ARecordWithoutAnOwnerIsRenewedByAnyone) {
  PendingChange c = Change();
  c.owner.clear();  // written by an agent older than owners
  Start(c);
  absl::StatusOr<RenewOutcome> r = book_.Renew("c1", absl::ZeroDuration(), "bob (serial 0D)");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, ChangeStatus::kPending);
}

TEST_F(ChangeBookTest, ResumedChangeGetsWhatIsLeftOfItsWindowAndAWholeLease) {
  PendingChange recorded = book_.Started(Change());      // what the record on disk keeps
  clock_.Advance(absl::Minutes(4) + absl::Seconds(20));  // the agent was down meanwhile
  PendingChange resumed = book_.Resumed(recorded);
  EXPECT_EQ(resumed.deadline, recorded.deadline);
  EXPECT_EQ(resumed.confirm_until - clock_.Monotonic(), absl::Minutes(5) + absl::Seconds(40));
  EXPECT_EQ(resumed.lease_until - clock_.Monotonic(), kLease);
  // Less than a lease left: the lease ends with the window.
  clock_.Advance(absl::Minutes(5) + absl::Seconds(30));
  resumed = book_.Resumed(recorded);
  EXPECT_EQ(resumed.confirm_until - clock_.Monotonic(), absl::Seconds(10));
  EXPECT_EQ(resumed.lease_until, resumed.confirm_until);
}

TEST_F(ChangeBookTest, ResumedAfterItsDeadlineHasEndedAtOnce) {
  const PendingChange recorded = book_.Started(Change(absl::ZeroDuration()));
  clock_.Advance(kWindow + absl::Minutes(1));
  const PendingChange resumed = book_.Resumed(recorded);
  EXPECT_EQ(resumed.confirm_until, clock_.Monotonic());
  EXPECT_TRUE(book_.HasEnded(resumed));
}

TEST_F(ChangeBookTest, ResumedAfterTheWallClockWentBackNeverGetsMoreThanTheWindow) {
  const PendingChange recorded = book_.Started(Change());
  clock_.SetWallClock(clock_.Now() - absl::Hours(3));
  const PendingChange resumed = book_.Resumed(recorded);
  EXPECT_EQ(resumed.confirm_until - clock_.Monotonic(), kWindow);
}

TEST_F(ChangeBookTest, EndedChangesAnswerAsTheyEnded) {
  Start(Change());
  book_.End("c1", ChangeStatus::kConfirmed, "confirmed");
  EXPECT_FALSE(book_.pending().has_value());
  EXPECT_EQ(Renew("c1").status, ChangeStatus::kConfirmed);
  std::optional<absl::StatusOr<std::string>> again = book_.ConfirmAnswer("c1");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(**again, "c1");  // a client retrying a lost answer
  EXPECT_THAT(book_.NotThePending("c1", std::nullopt).message(),
              HasSubstr("no longer pending: confirmed (restore its backup to undo it)"));

  Start(Change(kLease, "c2"));
  book_.End("c2", ChangeStatus::kReverted, "reverted: rolled back by request");
  const RenewOutcome r = Renew("c2");
  EXPECT_EQ(r.status, ChangeStatus::kReverted);
  EXPECT_EQ(r.detail, "reverted: rolled back by request");
  again = book_.ConfirmAnswer("c2");
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(absl::IsFailedPrecondition(again->status()));
  EXPECT_EQ(again->status().message(),
            "change c2 cannot be confirmed: reverted: rolled back by request");
  EXPECT_FALSE(book_.ConfirmAnswer("").has_value());  // "the pending one": none ended as such
}

TEST_F(ChangeBookTest, EndingAnotherChangeLeavesThePendingOne) {
  Start(Change());
  book_.End("c0", ChangeStatus::kReverted, "reverted: services failed to start");
  ASSERT_TRUE(book_.pending().has_value());
  EXPECT_EQ(book_.pending()->change_id, "c1");
}

TEST_F(ChangeBookTest, UnknownChangesAreNamedAsSuch) {
  EXPECT_EQ(Renew("c9").detail, "change c9 is not known to this agent");
  EXPECT_TRUE(absl::IsNotFound(book_.NotThePending("c9", std::nullopt)));
  EXPECT_TRUE(book_.CheckNonePending().ok());
  const PendingChange c = Start(Change());
  const RenewOutcome r = Renew("c9");
  EXPECT_EQ(r.status, ChangeStatus::kUnknown);
  EXPECT_EQ(r.detail, "change c9 is not known to this agent; c1 is pending");
  EXPECT_THAT(book_.NotThePending("c9", c).message(),
              HasSubstr("c1 is (another client's change: not reverted)"));
  const absl::Status busy = book_.CheckNonePending();
  EXPECT_TRUE(absl::IsAborted(busy)) << busy;
  EXPECT_THAT(busy.message(), HasSubstr(absl::StrCat("change c1 is pending confirmation until ",
                                                     DeadlineText(c.deadline))));
}

TEST_F(ChangeBookTest, RemembersTheNewestEndedChangesOnly) {
  for (size_t i = 0; i <= ChangeBook::kEndedKept; ++i) {
    book_.End(absl::StrCat("c", i), ChangeStatus::kConfirmed, "confirmed");
  }
  EXPECT_FALSE(book_.Ended("c0").has_value());  // the oldest is forgotten
  EXPECT_EQ(Renew("c0").status, ChangeStatus::kUnknown);
  EXPECT_TRUE(book_.Ended("c1").has_value());
  EXPECT_TRUE(book_.Ended(absl::StrCat("c", ChangeBook::kEndedKept)).has_value());
  // Ending one again updates it in place: it does not push another out.
  book_.End("c1", ChangeStatus::kReverting, "its revert failed");
  EXPECT_TRUE(book_.Ended("c2").has_value());
  EXPECT_EQ(book_.Ended("c1")->status, ChangeStatus::kReverting);
}

}  // namespace
}  // namespace osfleet::agent
