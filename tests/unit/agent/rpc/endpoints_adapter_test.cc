// osfleet.v1.Endpoints as a client sees it, served in process over the real store, change
// manager and call gate (in_process_agent.h): each request field out of bounds is
// INVALID_ARGUMENT naming it and changes nothing; the model comes back as protos (the
// pending change's times on the agent's clock); the store's and the change manager's errors
// keep their codes; a read queued past the agent's read deadline is refused.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/api/request_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/support/files.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/agent/rpc/in_process_agent.h"

namespace osfleet::agent::in_process {
namespace {

using ::osfleet::testing::IsOk;
using ::osfleet::testing::ReadFile;
using ::osfleet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOldAddress[] = "SQLPROD01.corp.example.com";  // the fixture's, all three
constexpr char kNewAddress[] = "sqlnew01.corp.example.com";

class EndpointsAdapterTest : public ::testing::Test {
 protected:
  explicit EndpointsAdapterTest(InProcessOptions options = {})
      : agent_(options), original_(ReadFile(agent_.hsconf_path())) {}

  grpc::Status Set(const v1::SetEndpointsRequest& request, v1::SetEndpointsResponse* response) {
    return stub_->Set(CallContext().get(), request, response);
  }
  grpc::Status Set(const v1::SetEndpointsRequest& request) {
    v1::SetEndpointsResponse response;
    return Set(request, &response);
  }
  grpc::Status Get(v1::GetEndpointsResponse* response) {
    return stub_->Get(CallContext().get(), v1::GetEndpointsRequest(), response);
  }
  grpc::Status Confirm(const std::string& change_id, v1::ConfirmResponse* response) {
    v1::ConfirmRequest request;
    request.set_change_id(change_id);
    return stub_->Confirm(CallContext().get(), request, response);
  }
  // A Set refused before it reached the store: INVALID_ARGUMENT whose message has `field`,
  // the file as it was, and the refusal in the audit log.
  void ExpectInvalid(const v1::SetEndpointsRequest& request, const std::string& field) {
    EXPECT_THAT(Set(request), StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr(field)));
    EXPECT_EQ(ReadFile(agent_.hsconf_path()), original_) << field;
    EXPECT_THAT(agent_.AuditLines(),
                AllOf(HasSubstr("\"Endpoints.Set\""), HasSubstr("INVALID_ARGUMENT: " + field)));
  }
  // A Set moving the Platform database to kNewAddress, from the file as it is now.
  v1::SetEndpointsRequest MovePlatform() {
    v1::SetEndpointsRequest request;
    v1::EndpointChange* change = request.add_changes();
    change->set_database(v1::DATABASE_PLATFORM);
    change->set_address(kNewAddress);
    request.set_expected_revision(RevisionNow());
    request.set_reason("adapter test");
    return request;
  }
  std::string RevisionNow() {
    absl::StatusOr<HsconfDocument> doc = agent_.store().Read();
    EXPECT_THAT(doc, IsOk());
    return doc.ok() ? doc->revision : "";
  }

  InProcessAgent agent_;
  const std::string original_;
  std::unique_ptr<v1::Endpoints::Stub> stub_ = agent_.Endpoints();
};

TEST_F(EndpointsAdapterTest, GetAnswersTheFileAsTheStoreReadsIt) {
  v1::GetEndpointsResponse get;
  ASSERT_OK(Get(&get));
  EXPECT_EQ(get.hsconf_path(), agent_.hsconf_path());
  EXPECT_EQ(get.revision(), RevisionNow());
  ASSERT_EQ(get.endpoints_size(), 3);
  EXPECT_EQ(get.endpoints(0).database(), v1::DATABASE_PLATFORM);
  EXPECT_EQ(get.endpoints(1).database(), v1::DATABASE_LOGGING);
  EXPECT_EQ(get.endpoints(2).database(), v1::DATABASE_SESSION);
  for (const v1::Endpoint& e : get.endpoints()) {
    EXPECT_EQ(e.provider(), v1::PROVIDER_SQL_SERVER);
    EXPECT_EQ(e.address(), kOldAddress);
    EXPECT_EQ(e.sql_server().host(), kOldAddress);
  }
  EXPECT_FALSE(get.has_pending());
}

TEST_F(EndpointsAdapterTest, ASetWithoutChangesIsInvalid) {
  v1::SetEndpointsRequest request = MovePlatform();
  request.clear_changes();
  ExpectInvalid(request, "changes: empty");
}

TEST_F(EndpointsAdapterTest, AChangeWithoutADatabaseIsNamedByItsIndex) {
  v1::SetEndpointsRequest request = MovePlatform();
  request.add_changes()->set_address(kNewAddress);  // DATABASE_UNSPECIFIED
  ExpectInvalid(request, "changes[1].database");
}

TEST_F(EndpointsAdapterTest, MoreChangesThanDatabasesAreInvalid) {
  v1::SetEndpointsRequest request = MovePlatform();
  for (int i = 0; i < 3; ++i) *request.add_changes() = request.changes(0);
  ExpectInvalid(request, "changes: 4 entries");
}

TEST_F(EndpointsAdapterTest, DurationsOutOfBoundsAreNamed) {
  v1::SetEndpointsRequest request = MovePlatform();
  *request.mutable_confirm_within() = ProtoDuration(absl::Hours(25));
  ExpectInvalid(request, "confirm_within");

  request = MovePlatform();
  request.mutable_confirm_within()->set_seconds(60);
  request.mutable_confirm_within()->set_nanos(-1);  // signs differ: no valid Duration
  ExpectInvalid(request, "confirm_within: not a valid duration");

  request = MovePlatform();
  *request.mutable_lease() = ProtoDuration(absl::Seconds(30));
  ExpectInvalid(request, "lease: needs confirm_within");

  request = MovePlatform();
  *request.mutable_confirm_within() = ProtoDuration(absl::Minutes(10));
  *request.mutable_lease() = ProtoDuration(absl::Milliseconds(100));  // under kLeaseBounds
  ExpectInvalid(request, "lease: must be between");
}

TEST_F(EndpointsAdapterTest, TextsOverTheirSizeAreNamed) {
  v1::SetEndpointsRequest request = MovePlatform();
  request.set_reason(std::string(kMaxReasonBytes + 1, 'r'));
  ExpectInvalid(request, "reason: 1025 bytes");

  request = MovePlatform();
  request.set_expected_revision(std::string(kMaxIdBytes + 1, 'a'));
  ExpectInvalid(request, "expected_revision: 129 bytes");
}

TEST_F(EndpointsAdapterTest, ACredentialThatNoPlaceholderCouldNameIsInvalid) {
  v1::SetEndpointsRequest request = MovePlatform();
  (*request.mutable_configuration_tool()->mutable_credentials())["db password"] = "secret";
  ExpectInvalid(request, "configuration_tool.credentials");
  EXPECT_THAT(agent_.AuditLines(), Not(HasSubstr("secret")));
}

TEST_F(EndpointsAdapterTest, ASetWithAWindowIsPendingOnTheAgentsClockUntilConfirmed) {
  const std::string before = RevisionNow();
  v1::SetEndpointsRequest request = MovePlatform();
  *request.mutable_confirm_within() = ProtoDuration(absl::Minutes(10));
  v1::SetEndpointsResponse set;
  ASSERT_OK(Set(request, &set));
  EXPECT_EQ(set.state(), v1::CHANGE_STATE_PENDING);
  EXPECT_FALSE(set.change_id().empty());
  EXPECT_EQ(set.previous_revision(), before);
  EXPECT_EQ(set.revision(), RevisionNow());
  EXPECT_NE(set.revision(), before);
  EXPECT_FALSE(set.backup_id().empty());
  EXPECT_EQ(set.confirm_deadline().seconds(),
            absl::ToUnixSeconds(agent_.clock().Now() + absl::Minutes(10)));
  ASSERT_GT(set.diffs_size(), 0);
  EXPECT_EQ(set.diffs(0).database(), v1::DATABASE_PLATFORM);
  EXPECT_EQ(set.diffs(0).old_value(), kOldAddress);
  EXPECT_EQ(set.diffs(0).new_value(), kNewAddress);
  EXPECT_FALSE(set.has_restart_duration());  // not asked to restart

  agent_.clock().Advance(absl::Minutes(4));
  v1::GetEndpointsResponse get;
  ASSERT_OK(Get(&get));
  ASSERT_TRUE(get.has_pending());
  EXPECT_EQ(get.pending().change_id(), set.change_id());
  EXPECT_EQ(get.pending().revision(), set.revision());
  EXPECT_EQ(get.pending().backup_id(), set.backup_id());
  EXPECT_EQ(DurationOf(get.pending().confirm_remaining()), absl::Minutes(6));
  EXPECT_FALSE(get.pending().has_lease());
  EXPECT_EQ(get.endpoints(0).address(), kNewAddress);

  v1::ConfirmResponse confirm;
  ASSERT_OK(Confirm(set.change_id(), &confirm));
  EXPECT_EQ(confirm.change_id(), set.change_id());
  EXPECT_EQ(confirm.state(), v1::CHANGE_STATE_CONFIRMED);
  EXPECT_EQ(confirm.revision(), set.revision());
  EXPECT_THAT(agent_.AuditLines(),
              AllOf(HasSubstr("\"Endpoints.Set\""), HasSubstr("\"Endpoints.Confirm\""),
                    HasSubstr(set.change_id())));
}

TEST_F(EndpointsAdapterTest, ASetWithoutAWindowIsAppliedAndTheSameAgainChangesNothing) {
  v1::SetEndpointsResponse set;
  ASSERT_OK(Set(MovePlatform(), &set));
  EXPECT_EQ(set.state(), v1::CHANGE_STATE_APPLIED);
  EXPECT_FALSE(set.has_confirm_deadline());
  v1::SetEndpointsResponse again;
  ASSERT_OK(Set(MovePlatform(), &again));
  EXPECT_EQ(again.state(), v1::CHANGE_STATE_NO_CHANGE);
  EXPECT_EQ(again.revision(), set.revision());
}

// The store's and the change manager's codes reach the client as they are.
TEST_F(EndpointsAdapterTest, ErrorsBelowKeepTheirCodes) {
  v1::SetEndpointsRequest stale = MovePlatform();
  stale.set_expected_revision("not-the-revision");
  EXPECT_THAT(Set(stale), StatusIs(grpc::StatusCode::ABORTED));
  EXPECT_EQ(ReadFile(agent_.hsconf_path()), original_);

  v1::ConfirmResponse confirm;
  EXPECT_THAT(Confirm("", &confirm),
              StatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("no change is pending")));

  v1::SetEndpointsRequest request = MovePlatform();
  *request.mutable_confirm_within() = ProtoDuration(absl::Minutes(10));
  v1::SetEndpointsResponse set;
  ASSERT_OK(Set(request, &set));
  agent_.clock().Advance(absl::Minutes(10));  // the window has ended: being reverted
  EXPECT_THAT(Confirm(set.change_id(), &confirm),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("cannot be confirmed")));
}

TEST_F(EndpointsAdapterTest, RenewChecksItsIdAndLeaseThenAnswersTheTimeLeft) {
  v1::RenewResponse renewed;
  v1::RenewRequest renew;
  EXPECT_THAT(stub_->Renew(CallContext().get(), renew, &renewed),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("change_id: required")));

  v1::SetEndpointsRequest request = MovePlatform();
  *request.mutable_confirm_within() = ProtoDuration(absl::Minutes(10));
  *request.mutable_lease() = ProtoDuration(absl::Minutes(1));
  v1::SetEndpointsResponse set;
  ASSERT_OK(Set(request, &set));
  renew.set_change_id(set.change_id());
  *renew.mutable_lease() = ProtoDuration(absl::Milliseconds(100));  // under kLeaseBounds
  EXPECT_THAT(stub_->Renew(CallContext().get(), renew, &renewed),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("lease: must be between")));

  agent_.clock().Advance(absl::Seconds(20));
  renew.clear_lease();  // the length granted
  ASSERT_OK(stub_->Renew(CallContext().get(), renew, &renewed));
  EXPECT_EQ(renewed.change_id(), set.change_id());
  EXPECT_EQ(renewed.state(), v1::CHANGE_STATE_PENDING);
  EXPECT_EQ(renewed.revision(), set.revision());
  EXPECT_EQ(DurationOf(renewed.lease_remaining()), absl::Minutes(1));
  EXPECT_EQ(DurationOf(renewed.confirm_remaining()), absl::Minutes(10) - absl::Seconds(20));
}

TEST_F(EndpointsAdapterTest, RollbackAndRestartCheckTheirIds) {
  v1::RollbackRequest rollback;
  rollback.set_change_id("c1");
  rollback.set_backup_id("b1");
  v1::RollbackResponse rolled;
  EXPECT_THAT(stub_->Rollback(CallContext().get(), rollback, &rolled),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                       AllOf(HasSubstr("change_id:"), HasSubstr("not both"))));

  v1::RestartChangeRequest restart;
  v1::SetEndpointsResponse restarted;
  EXPECT_THAT(stub_->Restart(CallContext().get(), restart, &restarted),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("change_id: required")));
  restart.set_change_id("c1");
  *restart.mutable_min_healthy() = ProtoDuration(absl::Hours(2));
  EXPECT_THAT(stub_->Restart(CallContext().get(), restart, &restarted),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("min_healthy")));
  EXPECT_EQ(ReadFile(agent_.hsconf_path()), original_);
}

TEST_F(EndpointsAdapterTest, ProbeChecksItsTargetsBeforeProbing) {
  v1::ProbeRequest probe;
  for (size_t i = 0; i <= kMaxProbeTargets; ++i) {
    v1::EndpointChange* target = probe.add_targets();
    target->set_database(v1::DATABASE_PLATFORM);
    target->set_address(kNewAddress);
  }
  v1::ProbeResponse probed;
  EXPECT_THAT(stub_->Probe(CallContext().get(), probe, &probed),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr(absl::StrCat("targets: ", kMaxProbeTargets + 1, " entries"))));
  probe.clear_targets();
  probe.add_targets()->set_address(kNewAddress);  // DATABASE_UNSPECIFIED
  EXPECT_THAT(stub_->Probe(CallContext().get(), probe, &probed),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("targets[0].database")));
  EXPECT_EQ(probed.results_size(), 0);
}

// A read that waited on its lane longer than the agent's read deadline (on the agent's
// clock) is refused when its turn comes, whatever the client's own deadline.
TEST_F(EndpointsAdapterTest, AReadQueuedPastTheReadDeadlineIsRefused) {
  LaneBlocker blocked(agent_.reads());
  grpc::ClientContext context;
  const v1::GetEndpointsRequest request;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::GetEndpointsResponse get;
  grpc::Status status;
  absl::Notification answered;
  stub_->async()->Get(&context, &request, &get, [&](grpc::Status s) {
    status = std::move(s);
    answered.Notify();
  });
  ASSERT_TRUE(Eventually([this] { return agent_.limiter().in_flight() == 1; }));  // admitted
  agent_.clock().Advance(kReadDeadline + absl::Seconds(1));
  blocked.Release();
  answered.WaitForNotification();
  EXPECT_THAT(status, StatusIs(grpc::StatusCode::DEADLINE_EXCEEDED,
                               HasSubstr("the agent is busy: this call waited more than 30s")));
  EXPECT_EQ(get.endpoints_size(), 0);
}

class ViewerEndpointsTest : public EndpointsAdapterTest {
 protected:
  ViewerEndpointsTest() : EndpointsAdapterTest({Transport::kTls}) {}
};

TEST_F(ViewerEndpointsTest, AViewerReadsButItsSetIsDeniedAndAudited) {
  v1::GetEndpointsResponse get;
  EXPECT_OK(Get(&get));
  EXPECT_THAT(Set(MovePlatform()),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("operator")));
  EXPECT_EQ(ReadFile(agent_.hsconf_path()), original_);
  EXPECT_THAT(agent_.AuditLines(), AllOf(HasSubstr("\"Endpoints.Set\""), HasSubstr("anonymous-tls"),
                                         HasSubstr("PERMISSION_DENIED")));
}

class OneCallEndpointsTest : public EndpointsAdapterTest {
 protected:
  OneCallEndpointsTest() : EndpointsAdapterTest({Transport::kInsecure, /*max_calls=*/1}) {}
};

// A call over the agent's cap is refused at once, while the one holding the slot waits.
TEST_F(OneCallEndpointsTest, ACallOverTheCapIsResourceExhausted) {
  LaneBlocker blocked(agent_.reads());
  grpc::ClientContext context;
  const v1::GetEndpointsRequest request;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::GetEndpointsResponse first;
  grpc::Status status;
  absl::Notification answered;
  stub_->async()->Get(&context, &request, &first, [&](grpc::Status s) {
    status = std::move(s);
    answered.Notify();
  });
  ASSERT_TRUE(Eventually([this] { return agent_.limiter().in_flight() == 1; }));
  v1::GetEndpointsResponse second;
  EXPECT_THAT(Get(&second),
              StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, HasSubstr("try again shortly")));
  blocked.Release();
  answered.WaitForNotification();
  EXPECT_OK(status);
  EXPECT_EQ(first.endpoints_size(), 3);
}

}  // namespace
}  // namespace osfleet::agent::in_process
