// FleetView: each server's standing from its endpoints, and the one-line verdict that
// `rollout status` prints first.
#include "ctl/ops/rollout/fleet_view.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

using ::testing::StartsWith;

v1::GetEndpointsResponse At(const std::string& platform) {
  v1::GetEndpointsResponse r;
  v1::Endpoint* e = r.add_endpoints();
  e->set_database(v1::DATABASE_PLATFORM);
  e->set_address(platform);
  e = r.add_endpoints();
  e->set_database(v1::DATABASE_LOGGING);
  e->set_address("log-db");
  return r;
}

class FleetViewTest : public ::testing::Test {
 protected:
  FleetViewTest() {
    options_.platform = "sqlnew,1433";
    host_.name = "dc01";
    host_.old_addresses = {{"platform", "sqlold,1433"}, {"log", "log-db"}};
  }
  RolloutOptions options_;
  HostRecord host_;
};

TEST_F(FleetViewTest, StandingFollowsTheChangedDatabasesOnly) {
  EXPECT_EQ(StandingOf(host_, options_, At("sqlold,1433")), Standing::kOld);
  EXPECT_EQ(StandingOf(host_, options_, At("sqlnew,1433")), Standing::kNew);
  EXPECT_EQ(StandingOf(host_, options_, At("sqlthird,1433")), Standing::kOther);
  v1::GetEndpointsResponse pending = At("sqlnew,1433");
  pending.mutable_pending()->set_change_id("chg-1");
  EXPECT_EQ(StandingOf(host_, options_, pending), Standing::kPending);
}

TEST_F(FleetViewTest, HeadlineSaysSplitFirst) {
  FleetView view;
  view.servers = {{"dc01", Standing::kNew}, {"fe01", Standing::kNew}, {"fe02", Standing::kOld}};
  EXPECT_TRUE(view.split());
  EXPECT_EQ(view.Headline(), "SPLIT FLEET: dc01, fe01 on the new address; fe02 on the old");
  EXPECT_EQ(view.ToJson()["split"], true);
}

TEST_F(FleetViewTest, HeadlineForConvergedAndUnsettledFleets) {
  FleetView view;
  view.servers = {{"dc01", Standing::kOld}, {"fe01", Standing::kOld}};
  EXPECT_FALSE(view.split());
  EXPECT_EQ(view.Headline(), "converged: every server on the old address");
  view.servers = {{"dc01", Standing::kNew}, {"fe01", Standing::kNew}};
  EXPECT_EQ(view.Headline(), "converged: every server on the new address");
  view.servers = {{"dc01", Standing::kPending, "chg-1"}, {"fe01", Standing::kUnreachable}};
  EXPECT_THAT(view.Headline(), StartsWith("not settled; pending: dc01; unreachable: fe01"));
}

TEST_F(FleetViewTest, HeadlineEndsWithTheTargetWhenGiven) {
  FleetView view;
  view.servers = {{"dc01", Standing::kNew}, {"fe01", Standing::kPending, "chg-1"}};
  view.target = "Platform SQLPROD01 → sqlnew01,1433";
  EXPECT_EQ(view.Headline(),
            "not settled; pending: fe01; target: Platform SQLPROD01 → sqlnew01,1433");
  EXPECT_EQ(view.ToJson()["headline"], view.Headline());
}

}  // namespace
}  // namespace osfleet::ctl
