// The rollout's status line: its text at a given moment, cut to the terminal, and how the
// rollout's events move it.
#include "ctl/output/status_line.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(StatusLineTest, ElapsedTimesReadAsPeopleWriteThem) {
  EXPECT_EQ(FormatElapsed(absl::Milliseconds(850)), "850ms");
  EXPECT_EQ(FormatElapsed(absl::Seconds(12)), "12s");
  EXPECT_EQ(FormatElapsed(absl::Seconds(252)), "4m12s");
  EXPECT_EQ(FormatElapsed(absl::Seconds(3725)), "1h02m05s");
  EXPECT_EQ(FormatElapsed(-absl::Seconds(3)), "0ms");
}

TEST(StatusLineTest, ShowsTheBatchTheStepItsTimeAndTheServersDone) {
  StatusState st{2, 4, "fe03", "ConfigurationTool", kT0, 7, 12, ""};
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(252), 200),
            "batch 2/4 · fe03 ConfigurationTool 4m12s · 7/12 servers done");
  st.log_line = "upgrading: step 3\x1b[2J";
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(253), 200),
            "batch 2/4 · fe03 ConfigurationTool 4m13s · 7/12 servers done · upgrading: step 3"
            "\\u001b[2J");
  st.server.clear();
  st.batch = 0;
  st.log_line.clear();
  EXPECT_EQ(RenderStatusLine(st, kT0, 200), "7/12 servers done");
}

TEST(StatusLineTest, IsCutToTheTerminalsWidthByCharactersNotBytes) {
  StatusState st{1, 1, "fe01", "ServiceRestart", kT0, 0, 3, "é"};
  const std::string full = RenderStatusLine(st, kT0 + absl::Seconds(5), 200);
  EXPECT_EQ(full, "batch 1/1 · fe01 ServiceRestart 5s · 0/3 servers done · é");
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(5), 12), "batch 1/1 ·…");
  // The line is 57 characters ("·" and "é" one each): it fits in 57, not in 56.
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(5), 57), full);
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(5), 56),
            "batch 1/1 · fe01 ServiceRestart 5s · 0/3 servers done ·…");
  EXPECT_EQ(RenderStatusLine(st, kT0, 0), "");
}

TEST(StatusLineTest, StartAndHeartbeatsShowAStepItsEndClearsIt) {
  StatusState st;
  const RolloutPosition at{2, 4, 7, 12};
  UpdateStatus(st, "", at, nullptr, kT0);
  EXPECT_EQ(RenderStatusLine(st, kT0, 200), "batch 2/4 · 7/12 servers done");
  StepProgress start{"start", "ConfigurationTool", absl::ZeroDuration(), ""};
  UpdateStatus(st, "fe03", at, &start, kT0);
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(9), 200),
            "batch 2/4 · fe03 ConfigurationTool 9s · 7/12 servers done");
  // The agent's elapsed time wins over osctl's: it measures the tool's run itself.
  StepProgress beat{"heartbeat", "ConfigurationTool", absl::Seconds(250), "step 9"};
  UpdateStatus(st, "fe03", at, &beat, kT0 + absl::Seconds(251));
  EXPECT_EQ(RenderStatusLine(st, kT0 + absl::Seconds(253), 200),
            "batch 2/4 · fe03 ConfigurationTool 4m12s · 7/12 servers done · step 9");
  StepProgress other_done{"done", "ConfigurationTool", absl::Seconds(1), ""};
  UpdateStatus(st, "fe01", at, &other_done, kT0);  // another server's end: fe03 stays
  EXPECT_EQ(st.server, "fe03");
  StepProgress done{"done", "ConfigurationTool", absl::Seconds(260), ""};
  UpdateStatus(st, "fe03", {2, 4, 8, 12}, &done, kT0);
  EXPECT_EQ(RenderStatusLine(st, kT0, 200), "batch 2/4 · 8/12 servers done");
}

}  // namespace
}  // namespace osfleet::ctl
