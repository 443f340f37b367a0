// What Ctrl-C asks during a rollout: which step goes on where, and which servers osctl
// puts back, from the rollout's own events.
#include "ctl/commands/rollout/interrupt_prompt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

RolloutEvent Progress(const std::string& server, const std::string& state,
                      const std::string& step) {
  RolloutEvent e{"progress", server, "", state == "failed", {}, std::nullopt};
  e.progress = StepProgress{state, step, absl::ZeroDuration(), ""};
  return e;
}

TEST(InterruptQuestionTest, NamesTheStepThatGoesOnAndTheServersPutBack) {
  RolloutActivity a;
  for (const char* s : {"dc01", "fe01", "fe02"}) {
    ObserveRolloutEvent(a, Progress(s, "start", "ConfigurationTool"));
    ObserveRolloutEvent(a, Progress(s, "done", "ConfigurationTool"));
  }
  ObserveRolloutEvent(a, Progress("fe03", "start", "ConfigurationTool"));
  ObserveRolloutEvent(a, Progress("fe03", "heartbeat", "ConfigurationTool"));
  EXPECT_EQ(InterruptQuestion(a),
            "fe03's Configuration Tool run goes on on the server; then osctl puts dc01, fe01, "
            "fe02, fe03 back on the old address. Roll back?");
}

TEST(InterruptQuestionTest, AFailedServerIsNotPutBackAndNothingRunningSaysSo) {
  RolloutActivity a;
  ObserveRolloutEvent(a, Progress("dc01", "start", "Change"));
  ObserveRolloutEvent(a, Progress("dc01", "failed", "Change"));
  EXPECT_EQ(InterruptQuestion(a), "osctl stops; no server was changed. Stop?");
  ObserveRolloutEvent(a, Progress("fe01", "start", "Change"));
  ObserveRolloutEvent(a, Progress("fe01", "done", "Change"));
  ObserveRolloutEvent(a, Progress("fe01", "start", "ServiceRestart"));
  EXPECT_EQ(InterruptQuestion(a),
            "fe01's service restart goes on on the server; then osctl puts fe01 back on the old "
            "address. Roll back?");
}

TEST(InterruptQuestionTest, DuringTheServiceCenterPhaseNothingIsRolledBack) {
  RolloutActivity a;
  ObserveRolloutEvent(a, Progress("fe01", "done", "Change"));
  ObserveRolloutEvent(a, Progress("dc01", "start", "ServiceCenter"));
  EXPECT_EQ(InterruptQuestion(a),
            "dc01's Service Center phase goes on on the server; then osctl stops: every server "
            "is confirmed on the new address already, nothing is rolled back. Stop?");
}

TEST(InterruptQuestionTest, AServerRolledBackIsNoLongerNamedAndAHeartbeatAloneStartsNothing) {
  RolloutActivity a;
  ObserveRolloutEvent(a, Progress("fe01", "done", "Change"));
  ObserveRolloutEvent(a, Progress("fe09", "heartbeat", "Change"));  // no start seen: ignored
  ObserveRolloutEvent(a, Progress("fe01", "start", "Rollback"));
  EXPECT_EQ(InterruptQuestion(a),
            "fe01's rollback goes on on the server; then osctl finishes the rollback. Stop?");
  ObserveRolloutEvent(a, Progress("fe01", "done", "Rollback"));
  EXPECT_TRUE(a.changed.empty());
}

TEST(InterruptQuestionTest, ServerNamesAreEscaped) {
  RolloutActivity a;
  ObserveRolloutEvent(a, Progress("fe\x1b[2J", "start", "ConfigurationTool"));
  EXPECT_THAT(InterruptQuestion(a), ::testing::StartsWith("fe\\u001b[2J's Configuration Tool"));
}

}  // namespace
}  // namespace osfleet::ctl
