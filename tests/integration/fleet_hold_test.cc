// Issue 26, finding 2 (two rollouts at once interfere), at the RPC level against real
// agents of a simulated farm talking mTLS: the fleet-wide hold on the Deployment
// Controller's agent (one taker at a time, its lease, owner-only renew and release, kept
// across an agent restart, refused on a Front-End) and Rollback by change id (a client
// never reverts a change another client made).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/farm.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

google::protobuf::Duration Millis(int64_t ms) {
  return google::protobuf::util::TimeUtil::MillisecondsToDuration(ms);
}

class FleetHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FarmOptions o;
    o.front_ends = 1;
    o.service_center = false;
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), o);
    ASSERT_TRUE(farm_->Start());
    // A second operator, as another workstation's osctl would be.
    ProcessResult r = RunProgram({BinDir() + "/osctl", "pki", "issue", "operator", "intruder",
                                  "--role", "operator", "--dir", Pki()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Pki() { return tmp_.Sub("farm") + "/pki"; }
  // An Endpoints client of server `name` with operator certificate `who`.
  std::unique_ptr<v1::Endpoints::Stub> Client(const std::string& name, const std::string& who) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(Pki() + "/ca.pem");
    tls.pem_cert_chain = ReadFile(Pki() + "/" + who + ".pem");
    tls.pem_private_key = ReadFile(Pki() + "/" + who + ".key");
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(name);
    return v1::Endpoints::NewStub(
        grpc::CreateCustomChannel(farm_->agent(name).address(), grpc::SslCredentials(tls), args));
  }
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }
  static grpc::Status Take(v1::Endpoints::Stub& stub, const std::string& rollout, int64_t lease_ms,
                           v1::HoldResponse* out) {
    v1::TakeHoldRequest req;
    req.set_rollout_id(rollout);
    req.set_workstation("ws-" + rollout);
    req.set_pid(4242);
    *req.mutable_lease() = Millis(lease_ms);
    return stub.TakeHold(Context().get(), req, out);
  }
  std::string Audit(const std::string& name) {
    return ReadFile(farm_->agent(name).dir() + "/state/audit.log");
  }
  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(FleetHoldTest, SecondTakeIsRefusedNamingTheHolderUntilItsLeaseLapses) {
  auto tester = Client("dc01", "tester");
  auto intruder = Client("dc01", "intruder");
  v1::HoldResponse first;
  // The agent starts the lease while it answers: at the earliest when the call is sent.
  const absl::Time asked = absl::Now();
  ASSERT_OK(Take(*tester, "R1", 1500, &first));
  v1::HoldResponse second;
  grpc::Status refused = Take(*intruder, "R2", 60000, &second);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(),
              AllOf(HasSubstr("held by rollout R1"), HasSubstr("tester"), HasSubstr("ws-R1"),
                    HasSubstr("pid 4242"), HasSubstr("since "), HasSubstr("lease ends")));
  // GetEndpoints shows the holder to anyone who looks (rollout plan, status).
  v1::GetEndpointsResponse now;
  ASSERT_OK(intruder->Get(Context().get(), {}, &now));
  EXPECT_EQ(now.hold().rollout_id(), "R1");
  EXPECT_EQ(now.hold().owner(), "tester");
  // Nobody renews R1 (its osctl died): the fleet is free one lease later, not before.
  ASSERT_TRUE(
      WaitFor([&] { return Take(*intruder, "R2", 60000, &second).ok(); }, absl::Seconds(20)));
  EXPECT_GE(absl::Now() - asked, absl::Milliseconds(1500));
  EXPECT_EQ(second.hold().rollout_id(), "R2");
  EXPECT_THAT(second.replaced(), HasSubstr("rollout R1"));
  // R1's taker cannot renew what it lost.
  v1::RenewHoldRequest renew;
  renew.set_hold_id(first.hold().hold_id());
  v1::HoldResponse renewed;
  EXPECT_EQ(tester->RenewHold(Context().get(), renew, &renewed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(Audit("dc01"), AllOf(HasSubstr("\"rpc\":\"Endpoints.TakeHold\""),
                                   HasSubstr("\"replaced\":\"rollout R1")));
}

TEST_F(FleetHoldTest, RenewAndReleaseByAnotherCertificateAreRefused) {
  auto tester = Client("dc01", "tester");
  auto intruder = Client("dc01", "intruder");
  v1::HoldResponse held;
  ASSERT_OK(Take(*tester, "R1", 60000, &held));
  v1::RenewHoldRequest shorten;
  shorten.set_hold_id(held.hold().hold_id());
  *shorten.mutable_lease() = Millis(500);  // the shortest lease (kLeaseBounds)
  v1::HoldResponse out;
  grpc::Status renew = intruder->RenewHold(Context().get(), shorten, &out);
  EXPECT_EQ(renew.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(renew.error_message(), AllOf(HasSubstr("belongs to tester"), HasSubstr("intruder")));
  v1::ReleaseHoldRequest release;
  release.set_hold_id(held.hold().hold_id());
  v1::ReleaseHoldResponse released;
  EXPECT_EQ(intruder->ReleaseHold(Context().get(), release, &released).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Still R1's, with its whole lease.
  v1::HoldResponse refused;
  EXPECT_EQ(Take(*intruder, "R2", 60000, &refused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // Its taker renews and releases it; then the fleet is free at once.
  EXPECT_OK(tester->RenewHold(Context().get(), shorten, &out));
  EXPECT_OK(tester->ReleaseHold(Context().get(), release, &released));
  v1::HoldResponse second;
  EXPECT_OK(Take(*intruder, "R2", 60000, &second));
  const std::string audit = Audit("dc01");
  EXPECT_THAT(audit, HasSubstr("\"rpc\":\"Endpoints.RenewHold\""));
  EXPECT_THAT(audit, HasSubstr("\"rpc\":\"Endpoints.ReleaseHold\""));
  EXPECT_THAT(audit, HasSubstr("PERMISSION_DENIED: hold "));
}

TEST_F(FleetHoldTest, HoldSurvivesAnAgentRestartAndFrontEndsKeepNone) {
  auto tester = Client("dc01", "tester");
  v1::HoldResponse held;
  ASSERT_OK(Take(*tester, "R1", 60000, &held));
  farm_->agent("dc01").process().Stop(SIGKILL);
  ASSERT_TRUE(farm_->RestartAgent("dc01"));
  auto intruder = Client("dc01", "intruder");
  v1::HoldResponse refused;
  grpc::Status s = Take(*intruder, "R2", 60000, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("held by rollout R1"));
  auto fe = Client("fe01", "tester");
  s = Take(*fe, "R3", 60000, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(),
              AllOf(HasSubstr("fe01"), HasSubstr("front_end"), HasSubstr("Deployment Controller")));
}

TEST_F(FleetHoldTest, RollbackNamingAnotherChangeLeavesThePendingChange) {
  auto owner = Client("dc01", "tester");
  auto other = Client("dc01", "intruder");
  v1::GetEndpointsResponse before;
  ASSERT_OK(owner->Get(Context().get(), {}, &before));
  v1::SetEndpointsRequest set;
  v1::EndpointChange* c = set.add_changes();
  c->set_database(v1::DATABASE_PLATFORM);
  c->set_address(farm_->new_db().address());
  set.set_expected_revision(before.revision());
  *set.mutable_confirm_within() = Millis(60000);
  v1::SetEndpointsResponse changed;
  ASSERT_OK(owner->Set(Context().get(), set, &changed));
  const std::string with_change = farm_->Hsconf("dc01");
  // Another client rolls back "its" change (one that ended, or never was) by id.
  v1::RollbackRequest not_mine;
  not_mine.set_change_id("chg-20261207T000000Z-0badc0de");
  v1::RollbackResponse back;
  grpc::Status s = other->Rollback(Context().get(), not_mine, &back);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr(changed.change_id()));
  EXPECT_EQ(farm_->Hsconf("dc01"), with_change);
  // By its own id, it is reverted; asked again, the answer says it is gone.
  v1::RollbackRequest mine;
  mine.set_change_id(changed.change_id());
  ASSERT_OK(owner->Rollback(Context().get(), mine, &back));
  EXPECT_EQ(back.reverted_change_id(), changed.change_id());
  EXPECT_EQ(farm_->Hsconf("dc01"), farm_->original());
  s = owner->Rollback(Context().get(), mine, &back);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no longer pending: reverted"));
  s = other->Rollback(Context().get(), not_mine, &back);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace osfleet::testing
