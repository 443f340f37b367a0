// The call gate's decisions on plain values: who may call what, the cap on calls in
// progress, reads shed when they queued too long (on a clock the test moves), and the
// audit line of every mutating call, refused ones included.
#include "agent/admission/call_gate.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::Duration kReadDeadline = absl::Seconds(5);
const Caller kViewer{"alice", ClientRole::kViewer};
const Caller kOperator{"bob", ClientRole::kOperator};

class CallGateTest : public ::testing::Test {
 protected:
  CallGateTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             absl::StrCat("call_gate_test.",
                          ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".",
                          std::random_device()())),
        audit_((dir_ / "audit.log").string()),
        limiter_(CallLimits{2, 0, 2, 2, 2, 2}),
        gate_(Authorizer(Transport::kMutualTls), &limiter_, &audit_, kReadDeadline, &clock_) {
    std::filesystem::create_directories(dir_);
  }
  ~CallGateTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::vector<std::string> AuditLines() const {
    std::ifstream in(audit_.path());
    std::ostringstream text;
    text << in.rdbuf();
    return absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
  }

  // What a handler does with a refused call; returns once `finish` ran.
  void RefuseAndWait(const Admission& a) const {
    absl::Notification finished;
    gate_.Refuse(a, [&] { finished.Notify(); });
    ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  AuditLog audit_;
  CallLimiter limiter_;
  CallGate gate_;
};

TEST_F(CallGateTest, ViewerMayReadAndNothingIsAudited) {
  Admission a = gate_.Admit("ipv4:10.0.0.5:1234", kViewer, "Endpoints.Get");
  ASSERT_TRUE(a.status.ok()) << a.status;
  EXPECT_EQ(a.caller.identity, "alice");
  EXPECT_EQ(a.peer, "ipv4:10.0.0.5:1234");
  EXPECT_EQ(limiter_.in_flight(), 1);
  a.slot.reset();
  EXPECT_EQ(limiter_.in_flight(), 0);
  EXPECT_THAT(AuditLines(), IsEmpty());
}

TEST_F(CallGateTest, ViewerMayNotChangeAndTheRefusalIsAudited) {
  Admission a = gate_.Admit("ipv4:10.0.0.5:1234", kViewer, "Endpoints.Set");
  EXPECT_TRUE(absl::IsPermissionDenied(a.status)) << a.status;
  EXPECT_THAT(a.status.message(), HasSubstr("Endpoints.Set needs the operator role"));
  EXPECT_EQ(limiter_.in_flight(), 0);  // a refused call holds no slot
  RefuseAndWait(a);
  std::vector<std::string> lines = AuditLines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("\"identity\":\"alice\""));
  EXPECT_THAT(lines[0], HasSubstr("\"rpc\":\"Endpoints.Set\""));
  EXPECT_THAT(lines[0], HasSubstr("PERMISSION_DENIED"));
}

TEST_F(CallGateTest, UnidentifiedCallerIsRefused) {
  Admission a = gate_.Admit("ipv4:10.0.0.9:1", absl::PermissionDeniedError("no client certificate"),
                            "Endpoints.Rollback");
  EXPECT_TRUE(absl::IsPermissionDenied(a.status));
  EXPECT_THAT(a.status.message(), HasSubstr("cannot identify the client: no client certificate"));
  RefuseAndWait(a);
  EXPECT_THAT(AuditLines(), SizeIs(1));
}

TEST_F(CallGateTest, CallerWithoutRoleIsRefusedEvenForReads) {
  Admission a = gate_.Admit("p", Caller{"eve", ClientRole::kNone}, "Agent.GetInfo");
  EXPECT_TRUE(absl::IsPermissionDenied(a.status));
  EXPECT_THAT(a.status.message(), HasSubstr("has no osfleet role"));
  RefuseAndWait(a);
  EXPECT_THAT(AuditLines(), IsEmpty());  // a read: refused, not audited
}

TEST_F(CallGateTest, CallsBeyondTheCapAreRefusedUntilASlotIsFree) {
  Admission first = gate_.Admit("p", kOperator, "Endpoints.Set");
  Admission second = gate_.Admit("p", kViewer, "Endpoints.Get");
  ASSERT_TRUE(first.status.ok());
  ASSERT_TRUE(second.status.ok());
  Admission third = gate_.Admit("p", kViewer, "Endpoints.Get");
  EXPECT_TRUE(absl::IsResourceExhausted(third.status)) << third.status;
  EXPECT_THAT(third.status.message(), HasSubstr("too many calls in progress (2)"));
  first.slot.reset();
  EXPECT_TRUE(gate_.Admit("p", kViewer, "Endpoints.Get").status.ok());
}

TEST_F(CallGateTest, LongCallsLeaveTheReserveToTimeCriticalOnes) {
  CallLimiter limiter(CallLimits{3, 1, 3, 2, 2, 2});
  CallGate gate(Authorizer(Transport::kMutualTls), &limiter, &audit_, kReadDeadline, &clock_);
  Admission phase = gate.Admit("p", kOperator, "ServiceCenter.RunPhase");
  Admission control = gate.Admit("p", kOperator, "Services.Control");
  ASSERT_TRUE(phase.status.ok() && control.status.ok());
  Admission probe = gate.Admit("p", kOperator, "Endpoints.Probe");
  EXPECT_TRUE(absl::IsResourceExhausted(probe.status)) << probe.status;
  EXPECT_TRUE(gate.Admit("p", kOperator, "Endpoints.Confirm").status.ok());
  EXPECT_TRUE(IsLongRunning("Endpoints.Set"));
  EXPECT_EQ(ClassOf("Endpoints.Probe"), CallClass::kProbe);
  EXPECT_EQ(ClassOf("Endpoints.Set"), CallClass::kLong);
  EXPECT_EQ(ClassOf("Endpoints.Get"), CallClass::kRead);
  // osctl doctor waits on status commands and Service Center: long, read-only, not audited.
  EXPECT_EQ(ClassOf("Agent.Check"), CallClass::kLong);
  EXPECT_FALSE(IsMutating("Agent.Check"));
  EXPECT_FALSE(IsAudited("Agent.Check"));
  for (const char* rpc : {"Endpoints.Confirm", "Endpoints.Renew", "Endpoints.Rollback"}) {
    EXPECT_EQ(ClassOf(rpc), CallClass::kReserved) << rpc;
  }
  for (const char* rpc : {"Endpoints.Confirm", "Endpoints.Renew", "Endpoints.Rollback",
                          "Endpoints.Get", "Agent.GetInfo", "Services.List"}) {
    EXPECT_FALSE(IsLongRunning(rpc)) << rpc;
  }
}

TEST_F(CallGateTest, ViewersAreCountedByTheirRole) {
  CallLimiter limiter(CallLimits{8, 1, 2, 4, 2, 1});
  CallGate gate(Authorizer(Transport::kMutualTls), &limiter, &audit_, kReadDeadline, &clock_);
  Admission probe = gate.Admit("p", kViewer, "Endpoints.Probe");
  ASSERT_TRUE(probe.status.ok()) << probe.status;
  Admission second = gate.Admit("p", kViewer, "Endpoints.Probe");
  EXPECT_EQ(second.status.message(),
            "too many Probe calls from viewers in progress (1); try again shortly");
  Admission read = gate.Admit("p", kViewer, "Endpoints.Get");
  ASSERT_TRUE(read.status.ok()) << read.status;
  EXPECT_EQ(gate.Admit("p", kViewer, "Endpoints.Get").status.message(),
            "too many calls from viewers in progress (2); try again shortly");
  // The viewers' caps are theirs: an operator probes and reads still.
  EXPECT_TRUE(gate.Admit("p", kOperator, "Endpoints.Probe").status.ok());
  EXPECT_TRUE(gate.Admit("p", kOperator, "Endpoints.Get").status.ok());
}

TEST_F(CallGateTest, ReadQueuedPastTheReadDeadlineIsShed) {
  Admission read = gate_.Admit("p", kViewer, "Endpoints.Get");
  ASSERT_TRUE(read.status.ok());
  clock_.Advance(kReadDeadline);
  EXPECT_TRUE(gate_.CheckStart(false, read).ok());
  clock_.Advance(absl::Milliseconds(1));
  absl::Status late = gate_.CheckStart(false, read);
  EXPECT_TRUE(absl::IsDeadlineExceeded(late)) << late;
  EXPECT_THAT(late.message(), HasSubstr("waited more than 5s to start"));
}

TEST_F(CallGateTest, MutatingCallsAreNeverShedForQueueing) {
  Admission set = gate_.Admit("p", kOperator, "Endpoints.Set");
  ASSERT_TRUE(set.status.ok());
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(gate_.CheckStart(false, set).ok());
}

TEST_F(CallGateTest, CancelledCallDoesNotStart) {
  Admission set = gate_.Admit("p", kOperator, "Endpoints.Set");
  EXPECT_TRUE(absl::IsCancelled(gate_.CheckStart(true, set)));
}

TEST_F(CallGateTest, FinishedWritesOneAuditLineWithTheOutcome) {
  Admission set = gate_.Admit("ipv4:127.0.0.1:5", kOperator, "Endpoints.Set");
  ASSERT_TRUE(set.status.ok());
  AuditRecord record;
  record.before = "aaaa";
  record.after = "bbbb";
  record.change_id = "chg-1";
  gate_.Finished(set, record, absl::AbortedError("revision conflict"));
  std::vector<std::string> lines = AuditLines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("\"identity\":\"bob\""));
  EXPECT_THAT(lines[0], HasSubstr("\"peer\":\"ipv4:127.0.0.1:5\""));
  EXPECT_THAT(lines[0], HasSubstr("\"change_id\":\"chg-1\""));
  EXPECT_THAT(lines[0], HasSubstr("ABORTED: revision conflict"));
  EXPECT_THAT(lines[0],
              HasSubstr(absl::FormatTime("%Y-%m-%dT%H:%M", clock_.Now(), absl::UTCTimeZone())));
}

}  // namespace
}  // namespace osfleet::agent
