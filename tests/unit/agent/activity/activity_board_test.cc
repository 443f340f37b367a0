// The agent's activity board: what runs now, since when, with its log's latest line, read
// from another thread; the fake clock moves the elapsed time.
#include "agent/activity/activity_board.h"

#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;

TEST(ActivityBoardTest, AStepIsOnTheBoardFromBeginToTheEndOfItsScope) {
  FakeClock clock;
  ActivityBoard board(&clock);
  EXPECT_TRUE(board.Now().empty());
  {
    ActivityBoard::Scope scope = board.Begin(kStepConfigurationTool, "tool.sh /UpgradeInstall");
    clock.Advance(absl::Seconds(252));
    const std::vector<Activity> now = board.Now();
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].step, "ConfigurationTool");
    EXPECT_EQ(now[0].detail, "tool.sh /UpgradeInstall");
    EXPECT_EQ(now[0].elapsed, absl::Seconds(252));
    EXPECT_EQ(now[0].since, clock.Now() - absl::Seconds(252));
    EXPECT_EQ(now[0].last_log_line, "");
  }
  EXPECT_TRUE(board.Now().empty());
}

TEST(ActivityBoardTest, TheLatestLineIsReadWhenTheBoardIsRead) {
  FakeClock clock;
  ActivityBoard board(&clock);
  std::string line = "upgrading: step 1";
  ActivityBoard::Scope scope = board.Begin(kStepConfigurationTool, "", [&line] { return line; });
  EXPECT_EQ(board.Now()[0].last_log_line, "upgrading: step 1");
  line = "upgrading: step 2";
  EXPECT_EQ(board.Now()[0].last_log_line, "upgrading: step 2");
}

TEST(ActivityBoardTest, ANewStepStartsItsClockAgainADetailDoesNot) {
  FakeClock clock;
  ActivityBoard board(&clock);
  ActivityBoard::Scope scope = board.Begin(kStepServiceCenter, "");
  clock.Advance(absl::Seconds(30));
  scope.SetDetail("waiting");
  EXPECT_EQ(board.Now()[0].elapsed, absl::Seconds(30));
  EXPECT_EQ(board.Now()[0].detail, "waiting");
  scope.SetStep(kStepPublish, "publish 42");
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(board.Now()[0].step, "Publish");
  EXPECT_EQ(board.Now()[0].detail, "publish 42");
  EXPECT_EQ(board.Now()[0].elapsed, absl::Seconds(5));
}

TEST(ActivityBoardTest, StepsAreListedOldestFirstAndEachEndsAlone) {
  FakeClock clock;
  ActivityBoard board(&clock);
  ActivityBoard::Scope phase = board.Begin(kStepApplySettings, "");
  clock.Advance(absl::Seconds(1));
  ActivityBoard::Scope tool = board.Begin(kStepApplySettings, "tool", [] { return "line"; });
  ASSERT_EQ(board.Now().size(), 2u);
  EXPECT_EQ(board.Now()[1].last_log_line, "line");
  tool.End();
  tool.End();  // twice: nothing more
  ASSERT_EQ(board.Now().size(), 1u);
  EXPECT_EQ(board.Now()[0].detail, "");
}

TEST(ActivityBoardTest, AMovedScopeEndsOnceAndAnEmptyOneDoesNothing) {
  FakeClock clock;
  ActivityBoard board(&clock);
  ActivityBoard::Scope outer;
  {
    ActivityBoard::Scope inner = board.Begin(kStepServiceRestart, "");
    outer = std::move(inner);
  }
  EXPECT_EQ(board.Now().size(), 1u);  // the moved-from scope ended nothing
  outer = ActivityBoard::Scope();
  EXPECT_TRUE(board.Now().empty());
  ActivityBoard::Scope none = BeginActivity(nullptr, kStepServiceStart, "x");
  none.SetDetail("y");
  none.SetStep(kStepServiceStop, "z");
  EXPECT_TRUE(board.Now().empty());
}

}  // namespace
}  // namespace osfleet::agent
