// The caps on what osctl takes from streamed calls: per agent's stream and per call, in
// events and bytes, with errors that name the agent and the cap.
#include "ctl/rpc/stream_budget.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

StreamCaps Small() {
  StreamCaps caps;
  caps.events_per_stream = 3;
  caps.bytes_per_stream = 100;
  caps.events_per_call = 5;
  caps.bytes_per_call = 150;
  return caps;
}

TEST(StreamBudgetTest, AStreamPastItsEventCapIsRefusedNamingTheAgent) {
  StreamBudget budget(Small());
  StreamTally tally;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(budget.Admit("fe01", 1, tally).ok());
  const absl::Status s = budget.Admit("fe01", 1, tally);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(s.message(), "agent fe01 sent more than 3 events in one stream; stopped");
  EXPECT_EQ(tally.events, 3);  // the refused event is not taken
  EXPECT_EQ(tally.bytes, 3);
}

TEST(StreamBudgetTest, AStreamPastItsByteCapIsRefused) {
  StreamBudget budget(Small());
  StreamTally tally;
  ASSERT_OK(budget.Admit("fe01", 60, tally));
  const absl::Status s = budget.Admit("fe01", 41, tally);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(s.message(), "agent fe01 sent more than 100 bytes in one stream; stopped");
  EXPECT_TRUE(budget.Admit("fe01", 40, tally).ok());  // exactly at the cap: taken
}

TEST(StreamBudgetTest, TheCallCapsCountEveryAgentTogether) {
  StreamBudget budget(Small());
  StreamTally a, b;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(budget.Admit("fe01", 1, a).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(budget.Admit("fe02", 1, b).ok());
  StreamTally c;
  const absl::Status s = budget.Admit("fe03", 1, c);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(s.message(),
            "the agents sent more than 5 events in one call (agent fe03 crossed it); stopped");
}

TEST(StreamBudgetTest, TheCallByteCapCountsEveryAgentTogether) {
  StreamBudget budget(Small());
  StreamTally a, b;
  ASSERT_OK(budget.Admit("fe01", 100, a));
  const absl::Status s = budget.Admit("fe02", 51, b);
  EXPECT_THAT(s.message(), HasSubstr("more than 150 bytes in one call (agent fe02"));
}

TEST(StreamBudgetTest, ManyThreadsNeverTakeMoreThanTheCallCap) {
  StreamCaps caps;
  caps.events_per_call = 1000;
  StreamBudget budget(caps);
  std::vector<StreamTally> tallies(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < tallies.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) (void)budget.Admit("fe", 1, tallies[t]);
    });
  }
  for (std::thread& th : threads) th.join();
  int64_t taken = 0;
  for (const StreamTally& t : tallies) taken += t.events;
  EXPECT_EQ(taken, 1000);
}

TEST(StreamBudgetTest, BytesTextSaysMiBForWholeMebibytes) {
  EXPECT_EQ(BytesText(int64_t{32} << 20), "32 MiB");
  EXPECT_EQ(BytesText(1000), "1000 bytes");
}

}  // namespace
}  // namespace osfleet::ctl
