// ReviewIdentity: one finding per verdict and evidence, naming every server and database that
// gave it; RefusalText names the flag and the other procedure.
#include "ctl/ops/identity_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::ProbeResult Judged(v1::Database database, const std::string& address,
                       v1::IdentityVerdict verdict, const std::string& evidence) {
  v1::ProbeResult p;
  p.set_database(database);
  p.set_address(address);
  p.set_ok(true);
  p.mutable_identity()->set_verdict(verdict);
  p.mutable_identity()->set_current_address("db01,1433");
  v1::IdentityEvidence* e = p.mutable_identity()->add_evidence();
  e->set_kind("certificate");
  e->set_points_to(verdict);
  e->set_detail(evidence);
  return p;
}

class IdentityReviewTest : public ::testing::Test {
 protected:
  HostReply<v1::ProbeResponse> Reply(const Server& server, std::vector<v1::ProbeResult> results) {
    HostReply<v1::ProbeResponse> r;
    r.server = &server;
    for (v1::ProbeResult& p : results) *r.response.add_results() = std::move(p);
    return r;
  }
  Server dc01_{"dc01"}, fe01_{"fe01"}, fe02_{"fe02"};
};

TEST_F(IdentityReviewTest, TheSameFindingFromEveryServerAndDatabaseIsOneLine) {
  const auto other = [](v1::Database db) {
    return Judged(db, "db02,1433", v1::IDENTITY_VERDICT_DIFFERENT, "another certificate");
  };
  const IdentityReview review =
      ReviewIdentity({Reply(dc01_, {other(v1::DATABASE_PLATFORM), other(v1::DATABASE_LOGGING)}),
                      Reply(fe01_, {other(v1::DATABASE_PLATFORM), other(v1::DATABASE_LOGGING)})});
  ASSERT_EQ(review.different.size(), 1u);
  const IdentityFinding& f = review.different.front();
  EXPECT_THAT(f.servers, ElementsAre("dc01", "fe01"));
  EXPECT_THAT(f.databases, ElementsAre("platform", "log"));
  EXPECT_EQ(f.server, "");  // several servers: a fleet-wide line
  EXPECT_EQ(f.text,
            "every server (2) platform, log: db02,1433 reaches another database server than "
            "db01,1433 (another certificate)");
  EXPECT_THAT(RefusalText(review), HasSubstr("--allow-different-server"));
  EXPECT_THAT(RefusalText(review),
              HasSubstr("Restore OutSystems database to a different DB Server"));
}

TEST_F(IdentityReviewTest, DifferentEvidenceOrVerdictsStayApartAndNameTheirServers) {
  HostReply<v1::ProbeResponse> failed = Reply(fe02_, {});
  failed.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
  const IdentityReview review = ReviewIdentity(
      {Reply(dc01_, {Judged(v1::DATABASE_PLATFORM, "db02,1433", v1::IDENTITY_VERDICT_UNKNOWN,
                            "a shared CA-issued certificate")}),
       Reply(fe01_, {Judged(v1::DATABASE_PLATFORM, "db02,1433", v1::IDENTITY_VERDICT_UNKNOWN,
                            "no certificate")}),
       failed});
  EXPECT_THAT(review.different, IsEmpty());
  ASSERT_EQ(review.unknown.size(), 2u);
  EXPECT_EQ(review.unknown[0].server, "dc01");
  EXPECT_THAT(review.unknown[0].text, HasSubstr("dc01 platform: whether db02,1433"));
  EXPECT_THAT(review.unknown[1].text, HasSubstr("fe01 platform: whether db02,1433"));
  EXPECT_EQ(RefusalText(review), "");
}

TEST_F(IdentityReviewTest, SomeServersOfSeveralAreNamed) {
  const auto same = Judged(v1::DATABASE_SESSION, "db01-alias,1433", v1::IDENTITY_VERDICT_SAME,
                           "DNS: both resolve to 10.0.0.5");
  const IdentityReview review =
      ReviewIdentity({Reply(dc01_, {same}), Reply(fe01_, {same}),
                      Reply(fe02_, {Judged(v1::DATABASE_SESSION, "db01-alias,1433",
                                           v1::IDENTITY_VERDICT_UNKNOWN, "no answer")})});
  ASSERT_EQ(review.same.size(), 1u);
  EXPECT_THAT(review.same[0].text,
              HasSubstr("dc01, fe01 session: db01-alias,1433 reaches the same database server"));
}

}  // namespace
}  // namespace osfleet::ctl
