// Leases are the owner's (issue 26, finding 3), on a real agent over mTLS with two operator
// certificates: another operator's Renew cannot shorten (or extend) a lease it does not
// hold, and is audited as a refusal; the owner's shortening Renew is audited and the
// revert comes when the shortened lease ends, not when the old one would have.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoNanoseconds(d);
}

std::vector<nlohmann::json> AuditLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (absl::string_view line : absl::StrSplit(ReadFile(path), '\n', absl::SkipEmpty())) {
    out.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
  }
  return out;
}

// The audit lines of `rpc` about `change_id`.
std::vector<nlohmann::json> LinesOf(const std::string& path, const std::string& rpc,
                                    const std::string& change_id) {
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& j : AuditLines(path)) {
    if (j.is_object() && j.value("rpc", "") == rpc && j.value("change_id", "") == change_id) {
      out.push_back(j);
    }
  }
  return out;
}

class HostileLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<OpensslPki>(tmp_.Sub("pki"));
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("alice", "osfleet:operator");
    pki_->Issue("carol", "osfleet:operator");
    audit_ = tmp_.Sub("audit.log");
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.insecure = false;
    options.extra_args = {
        "--tls-cert", pki_->Path("dc01.pem"), "--tls-key",   pki_->Path("dc01.key"),
        "--tls-ca",   pki_->Path("ca.pem"),   "--audit-log", audit_};
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    original_ = ReadFile(agent_->hsconf());
  }

  std::unique_ptr<v1::Endpoints::Stub> Stub(const std::string& who) const {
    return v1::Endpoints::NewStub(pki_->Channel(who, agent_->address(), "dc01"));
  }

  // `who` changes the Platform address, pending for 10 minutes and held by a lease of 30s.
  std::string SetAsPending(v1::Endpoints::Stub& who) const {
    grpc::ClientContext get_ctx;
    get_ctx.set_deadline(In(absl::Seconds(10)));
    v1::GetEndpointsResponse got;
    EXPECT_OK(who.Get(&get_ctx, {}, &got));
    v1::SetEndpointsRequest req;
    req.add_changes()->set_database(v1::DATABASE_PLATFORM);
    req.mutable_changes(0)->set_address("SQLNEW");
    req.set_expected_revision(got.revision());
    req.mutable_confirm_within()->set_seconds(600);
    req.mutable_lease()->set_seconds(30);
    v1::SetEndpointsResponse set;
    grpc::ClientContext ctx;
    ctx.set_deadline(In(absl::Seconds(20)));
    const grpc::Status s = who.Set(&ctx, req, &set);
    EXPECT_OK(s);
    EXPECT_EQ(set.state(), v1::CHANGE_STATE_PENDING);
    return set.change_id();
  }

  grpc::Status Renew(v1::Endpoints::Stub& who, const std::string& change_id, int lease_ms,
                     v1::RenewResponse* out) const {
    v1::RenewRequest req;
    req.set_change_id(change_id);
    req.mutable_lease()->set_seconds(lease_ms / 1000);
    req.mutable_lease()->set_nanos((lease_ms % 1000) * 1000000);
    grpc::ClientContext ctx;
    ctx.set_deadline(In(absl::Seconds(10)));
    return who.Renew(&ctx, req, out);
  }

  grpc::Status Confirm(v1::Endpoints::Stub& who, const std::string& change_id) const {
    v1::ConfirmRequest req;
    req.set_change_id(change_id);
    v1::ConfirmResponse out;
    grpc::ClientContext ctx;
    ctx.set_deadline(In(absl::Seconds(10)));
    return who.Confirm(&ctx, req, &out);
  }

  TempDir tmp_;
  std::unique_ptr<OpensslPki> pki_;
  std::unique_ptr<Agent> agent_;
  std::string audit_, original_;
};

TEST_F(HostileLeaseTest, AnotherOperatorsRenewIsRefusedAndTheOwnersConfirmStillWorks) {
  std::unique_ptr<v1::Endpoints::Stub> alice = Stub("alice");
  std::unique_ptr<v1::Endpoints::Stub> carol = Stub("carol");
  const std::string id = SetAsPending(*alice);
  ASSERT_FALSE(id.empty());

  // carol tries to cut alice's lease to the shortest one allowed, then to renew it.
  v1::RenewResponse renewed;
  grpc::Status s = Renew(*carol, id, 500, &renewed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("held by alice (serial "));
  s = Renew(*carol, id, 0, &renewed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  // alice's change is untouched: her Confirm still works, well after carol's 500ms.
  v1::RenewResponse own;
  ASSERT_OK(Renew(*alice, id, 0, &own));
  EXPECT_EQ(own.state(), v1::CHANGE_STATE_PENDING);
  EXPECT_GT(own.lease_remaining().seconds(), 20);
  const grpc::Status confirmed = Confirm(*alice, id);
  EXPECT_OK(confirmed);
  EXPECT_THAT(ReadFile(agent_->hsconf()), HasSubstr("SQLNEW"));

  // Both of carol's attempts are on the record as refusals, naming her.
  ASSERT_TRUE(WaitFor([&] { return LinesOf(audit_, "Endpoints.Renew", id).size() >= 2; },
                      absl::Seconds(20)))
      << ReadFile(audit_);
  int refusals = 0;
  for (const nlohmann::json& j : LinesOf(audit_, "Endpoints.Renew", id)) {
    if (j.value("identity", "") != "carol") continue;
    EXPECT_THAT(j.value("result", ""), HasSubstr("PERMISSION_DENIED")) << j.dump();
    ++refusals;
  }
  EXPECT_EQ(refusals, 2) << ReadFile(audit_);
}

TEST_F(HostileLeaseTest, OwnersShortenedLeaseRevertsWhenItEndsAndTheRenewIsAudited) {
  std::unique_ptr<v1::Endpoints::Stub> alice = Stub("alice");
  const std::string id = SetAsPending(*alice);
  ASSERT_FALSE(id.empty());
  v1::RenewResponse renewed;
  const absl::Time shortened = absl::Now();
  const grpc::Status s = Renew(*alice, id, 1000, &renewed);
  ASSERT_OK(s);
  EXPECT_EQ(renewed.state(), v1::CHANGE_STATE_PENDING);
  EXPECT_LE(renewed.lease_remaining().seconds(), 1);

  // The revert comes when the 1s lease ends: long before the 30s one would have ended.
  ASSERT_TRUE(WaitFor([&] { return ReadFile(agent_->hsconf()) == original_; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  const absl::Duration took = absl::Now() - shortened;
  EXPECT_LT(took, absl::Seconds(20));
  std::cerr << "[hostile_lease] reverted " << absl::FormatDuration(took)
            << " after a Renew that shortened the lease to 1s\n";
  ASSERT_TRUE(
      WaitFor([&] { return !LinesOf(audit_, "AutomaticRevert", id).empty(); }, absl::Seconds(20)));
  EXPECT_THAT(LinesOf(audit_, "AutomaticRevert", id)[0].value("reason", ""),
              HasSubstr("shortened to 1s by its owner's last renewal"));
  const grpc::Status late = Confirm(*alice, id);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << late.error_message();

  // The Renew that moved the lease's end is on the record: who, which change, old and new end.
  const std::vector<nlohmann::json> renews = LinesOf(audit_, "Endpoints.Renew", id);
  ASSERT_EQ(renews.size(), 1u) << ReadFile(audit_);
  EXPECT_EQ(renews[0].value("identity", ""), "alice");
  EXPECT_EQ(renews[0].value("result", ""), "OK");
  EXPECT_EQ(renews[0].value("lease", ""), "1s");
  const std::string before = renews[0].value("lease_end_before", "");
  const std::string after = renews[0].value("lease_end_after", "");
  ASSERT_FALSE(before.empty());
  ASSERT_FALSE(after.empty());
  EXPECT_LT(after, before);  // RFC 3339 UTC, same format: ordered as text
}

// The shortest lease is one number for agent and osctl alike (common/api/request_limits.h).
TEST_F(HostileLeaseTest, RenewBelowTheShortestLeaseIsRefusedEvenForTheOwner) {
  std::unique_ptr<v1::Endpoints::Stub> alice = Stub("alice");
  const std::string id = SetAsPending(*alice);
  ASSERT_FALSE(id.empty());
  v1::RenewResponse renewed;
  const grpc::Status s = Renew(*alice, id, 100, &renewed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("lease: must be between 500ms and 24h, got 100ms"));
  EXPECT_OK(Confirm(*alice, id));
}

}  // namespace
}  // namespace osfleet::testing
