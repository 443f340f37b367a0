// The rollout summary's closing lines about the old addresses: whether each can be retired,
// from the journal's last drain check.
#include "ctl/output/rollout_summary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Journal Done() {
  Journal j;
  j.id = "20261207-030000-0001";
  j.path = "/state/rollouts/20261207-030000-0001.json";
  j.created = absl::FromUnixSeconds(1796000000);
  j.updated = j.created + absl::Seconds(42);
  j.options.platform = "db-new,1433";
  j.phase = RolloutPhase::kDone;
  j.batches = 1;
  HostRecord h;
  h.name = "fe01";
  h.role = "front_end";
  h.old_addresses = {{"platform", "db-old,1433"}};
  h.state = HostState::kConfirmed;
  j.hosts.push_back(h);
  return j;
}

DrainAddress Verdict(bool retire, const std::string& reason) {
  DrainAddress a;
  a.database = "platform";
  a.address = "db-old,1433";
  a.retire = retire;
  a.reason = reason;
  return a;
}

TEST(RolloutSummaryTest, SaysWhetherEachOldAddressCanBeRetired) {
  Journal j = Done();
  j.drain.checked = absl::FromUnixSeconds(1796000040);
  j.drain.waited = "10m";
  j.drain.addresses = {
      Verdict(false,
              "still used by 1 process(es) on 1 server(s): fe01 pid 4242 w3wp.exe — wait (osctl "
              "endpoints connections --to db-old,1433 --wait 10m) or recycle them before "
              "retiring it"),
      Verdict(true, "no process on any server uses it — it can be retired")};
  j.drain.addresses[1].address = "logold,1433";
  const std::string text = RolloutSummary(j, /*color=*/false);
  EXPECT_THAT(text,
              HasSubstr("old addresses checked 2026-11-30 00:54:00 UTC (waited up to 10m)\n"));
  EXPECT_THAT(text, HasSubstr("old address db-old,1433: still used by 1 process(es) on 1 "
                              "server(s): fe01 pid 4242 w3wp.exe — wait (osctl endpoints "
                              "connections --to db-old,1433 --wait 10m) or recycle them before "
                              "retiring it\n"));
  EXPECT_THAT(text,
              HasSubstr("old address logold,1433: no process on any server uses it — it can be "
                        "retired\n"));
}

TEST(RolloutSummaryTest, NoCheckNoLinesAndAProcessNameCannotWriteToTheTerminal) {
  Journal j = Done();
  EXPECT_THAT(RolloutSummary(j, false), Not(HasSubstr("old address")));
  j.drain.checked = absl::FromUnixSeconds(1796000040);
  j.drain.addresses = {Verdict(false,
                               "still used by 1 process(es) on 1 server(s): fe01 pid 7 "
                               "evil\x1b[2J")};
  const std::string text = RolloutSummary(j, false);
  EXPECT_THAT(text, HasSubstr("old addresses checked 2026-11-30 00:54:00 UTC\n"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b[2J")));
}

}  // namespace
}  // namespace osfleet::ctl
