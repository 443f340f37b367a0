// Endpoints.Probe with `identity`, as a client sees it, served in process over the real
// store and ProbeRunner (in_process_agent.h) against an in-process fake SQL Server: a new
// address is compared with its database's current one (identity filled, evidence strongest
// first), the current address itself gets no identity, a current address that does not
// answer makes the verdict unknown, and without `identity` nothing is compared.
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/fakes/fake_sqlserver.h"
#include "tests/support/files.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/agent/rpc/in_process_agent.h"

namespace osfleet::agent::in_process {
namespace {

using ::osfleet::testing::ReadFile;
using ::osfleet::testing::WriteFile;
using ::testing::HasSubstr;

constexpr char kFixtureAddress[] = "SQLPROD01.corp.example.com";  // all three databases

class ProbeIdentityAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(sql_.Start(fakes::FakeSqlServer::Options()));
    current_ = absl::StrCat("127.0.0.1,", sql_.tcp_port());
  }
  // Every database's current address becomes `address`.
  void SetCurrent(const std::string& address) {
    WriteFile(agent_.hsconf_path(),
              absl::StrReplaceAll(ReadFile(agent_.hsconf_path()), {{kFixtureAddress, address}}));
  }
  v1::ProbeResponse Probe(const std::vector<std::pair<v1::Database, std::string>>& targets,
                          bool identity) {
    v1::ProbeRequest request;
    for (const auto& [db, address] : targets) {
      v1::EndpointChange* t = request.add_targets();
      t->set_database(db);
      t->set_address(address);
    }
    request.set_identity(identity);
    request.mutable_timeout()->set_seconds(2);
    v1::ProbeResponse response;
    EXPECT_OK(stub_->Probe(CallContext().get(), request, &response));
    return response;
  }

  fakes::FakeSqlServer sql_;
  std::string current_;
  InProcessAgent agent_;
  std::unique_ptr<v1::Endpoints::Stub> stub_ = agent_.Endpoints();
};

TEST_F(ProbeIdentityAdapterTest, ANewAddressIsComparedWithTheCurrentOne) {
  SetCurrent(current_);
  const std::string alias = absl::StrCat("localhost,", sql_.tcp_port());
  v1::ProbeResponse r =
      Probe({{v1::DATABASE_PLATFORM, alias}, {v1::DATABASE_LOGGING, current_}}, true);
  ASSERT_EQ(r.results_size(), 2);
  const v1::ProbeResult& moved = r.results(0);
  EXPECT_TRUE(moved.ok()) << moved.error();
  ASSERT_TRUE(moved.has_identity());
  EXPECT_EQ(moved.identity().verdict(), v1::IDENTITY_VERDICT_SAME);
  EXPECT_EQ(moved.identity().current_address(), current_);
  ASSERT_GT(moved.identity().evidence_size(), 0);
  EXPECT_EQ(moved.identity().evidence(0).kind(), "dns");
  EXPECT_EQ(moved.identity().evidence(0).points_to(), v1::IDENTITY_VERDICT_SAME);
  EXPECT_THAT(moved.identity().evidence(0).detail(),
              HasSubstr(absl::StrCat("localhost and 127.0.0.1 both resolve to 127.0.0.1; port ",
                                     sql_.tcp_port(), " on both")));
  // The fake's self-signed certificate, the same on every connection, is the next line.
  ASSERT_GT(moved.identity().evidence_size(), 1);
  EXPECT_EQ(moved.identity().evidence(1).kind(), "certificate");
  EXPECT_EQ(moved.identity().evidence(1).points_to(), v1::IDENTITY_VERDICT_SAME);
  EXPECT_TRUE(moved.certificate().self_signed());
  EXPECT_EQ(moved.certificate().sha256().size(), 64u);
  // The current address itself is not compared with itself.
  EXPECT_FALSE(r.results(1).has_identity());
  // Two targets, one current address: the current one is probed twice, not four times;
  // the candidate and the target that is current once each.
  EXPECT_EQ(sql_.connections_accepted(), 4);
}

TEST_F(ProbeIdentityAdapterTest, WithoutIdentityNothingIsCompared) {
  SetCurrent(current_);
  v1::ProbeResponse r =
      Probe({{v1::DATABASE_PLATFORM, absl::StrCat("localhost,", sql_.tcp_port())}}, false);
  ASSERT_EQ(r.results_size(), 1);
  EXPECT_TRUE(r.results(0).ok());
  EXPECT_FALSE(r.results(0).has_identity());
  EXPECT_FALSE(r.results(0).has_certificate());  // no TLS handshake without identity
  EXPECT_EQ(sql_.connections_accepted(), 1);
}

TEST_F(ProbeIdentityAdapterTest, ACurrentAddressThatDoesNotAnswerLeavesItUnknown) {
  SetCurrent("db.invalid");
  v1::ProbeResponse r = Probe({{v1::DATABASE_SESSION, current_}}, true);
  ASSERT_EQ(r.results_size(), 1);
  EXPECT_TRUE(r.results(0).ok());
  ASSERT_TRUE(r.results(0).has_identity());
  const v1::Identity& id = r.results(0).identity();
  EXPECT_EQ(id.verdict(), v1::IDENTITY_VERDICT_UNKNOWN);
  EXPECT_EQ(id.current_address(), "db.invalid");
  ASSERT_EQ(id.evidence_size(), 1);
  EXPECT_EQ(id.evidence(0).kind(), "probe");
  EXPECT_THAT(id.evidence(0).detail(), HasSubstr("the current address db.invalid did not answer"));
}

}  // namespace
}  // namespace osfleet::agent::in_process
