// How a rollout orders the fleet and reads --batch / --canary / --max-fail.
#include "ctl/ops/rollout/batches.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr v1::ServerRole kDc = v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER;
constexpr v1::ServerRole kFe = v1::SERVER_ROLE_FRONT_END;

std::vector<size_t> Batch(std::initializer_list<size_t> i) { return i; }

TEST(ParseCountTest, CountsAndPercentagesRoundingUp) {
  EXPECT_EQ(*ParseCount("3", 10, "--batch", false), 3);
  EXPECT_EQ(*ParseCount("25%", 5, "--batch", false), 2);  // 1.25 rounds up
  EXPECT_EQ(*ParseCount("100%", 7, "--batch", false), 7);
  EXPECT_EQ(*ParseCount("1%", 1, "--batch", false), 1);
  EXPECT_EQ(*ParseCount("0", 4, "--max-fail", true), 0);
  EXPECT_EQ(*ParseCount("0%", 4, "--max-fail", true), 0);
}

TEST(ParseCountTest, RefusesWhatIsNotACountNamingTheFlag) {
  for (const char* bad : {"", "-1", "1.5", "abc", "%", "101%", "10 %", "+2", "99999999999999"}) {
    absl::StatusOr<int> n = ParseCount(bad, 10, "--batch", false);
    ASSERT_TRUE(absl::IsInvalidArgument(n.status())) << bad;
    EXPECT_THAT(n.status().message(), HasSubstr("--batch: '")) << bad;
  }
  absl::StatusOr<int> zero = ParseCount("0", 10, "--batch", false);
  ASSERT_TRUE(absl::IsInvalidArgument(zero.status()));
  EXPECT_THAT(zero.status().message(), HasSubstr("must be at least 1"));
  // A percentage that rounds to zero of an empty fleet is still zero.
  EXPECT_FALSE(ParseCount("50%", 0, "--batch", false).ok());
}

TEST(PlanBatchesTest, DeploymentControllerAloneFirstThenCanaryThenBatches) {
  const std::vector<v1::ServerRole> roles = {kFe, kFe, kDc, kFe, kFe, kFe};
  EXPECT_THAT(PlanBatches(roles, 1, 2),
              ElementsAre(Batch({2}), Batch({0}), Batch({1, 3}), Batch({4, 5})));
}

TEST(PlanBatchesTest, NoCanaryAndALastShortBatch) {
  const std::vector<v1::ServerRole> roles = {kDc, kFe, kFe, kFe, kFe, kFe};
  EXPECT_THAT(PlanBatches(roles, 0, 2),
              ElementsAre(Batch({0}), Batch({1, 2}), Batch({3, 4}), Batch({5})));
}

TEST(PlanBatchesTest, CanaryLargerThanTheFrontEndsTakesThemAll) {
  EXPECT_THAT(PlanBatches({kDc, kFe, kFe}, 5, 1), ElementsAre(Batch({0}), Batch({1, 2})));
}

TEST(PlanBatchesTest, SingleServerFarmsAndEmptyFleets) {
  EXPECT_THAT(PlanBatches({kDc}, 1, 25), ElementsAre(Batch({0})));
  EXPECT_THAT(PlanBatches({kFe}, 0, 25), ElementsAre(Batch({0})));
  EXPECT_THAT(PlanBatches({}, 1, 25), IsEmpty());
}

TEST(PlanBatchesTest, EveryServerExactlyOnceWhateverTheSizes) {
  std::vector<v1::ServerRole> roles(37, kFe);
  roles[11] = kDc;
  for (int canary : {0, 1, 3, 40}) {
    for (int size : {0, 1, 4, 36, 100}) {
      std::multiset<size_t> seen;
      auto batches = PlanBatches(roles, canary, size);
      ASSERT_FALSE(batches.empty());
      EXPECT_THAT(batches.front(), ElementsAre(11u));
      for (const auto& b : batches) {
        EXPECT_FALSE(b.empty());
        seen.insert(b.begin(), b.end());
      }
      EXPECT_EQ(seen.size(), roles.size()) << canary << "/" << size;
      EXPECT_EQ(std::set<size_t>(seen.begin(), seen.end()).size(), roles.size());
    }
  }
}

}  // namespace
}  // namespace osfleet::ctl
