// The rollout journal: which one `rollout status | resume | rollback` take without an id.
#include "ctl/ops/rollout/journal.h"

#include <stdlib.h>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/unit/common/platform/temp_dir.h"

namespace osfleet::ctl {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  JournalTest() { setenv("OSFLEET_STATE_DIR", dir_.path().c_str(), 1); }
  ~JournalTest() override { unsetenv("OSFLEET_STATE_DIR"); }

  void Save(const std::string& id, absl::Time created) {
    Journal j;
    j.id = id;
    j.path = RolloutDir() + "/" + id + ".json";
    j.created = created;
    ASSERT_TRUE(SaveJournal(j).ok());
  }

  platform::testing::TempDir dir_;
};

TEST_F(JournalTest, TheNewestIsTheOneCreatedLastEvenWithinTheSameSecond) {
  const absl::Time t = absl::FromUnixSeconds(1796000000);
  Save("20261206-234007-ffff", t - absl::Seconds(1));         // an earlier second sorts first
  Save("20261206-234008-5847", t);                            // a declined plan...
  Save("20261206-234008-451f", t + absl::Milliseconds(300));  // ...then the apply
  absl::StatusOr<Journal> newest = LoadJournal("");
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(newest->id, "20261206-234008-451f");
  absl::StatusOr<Journal> named = LoadJournal("20261206-234008-5847");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->id, "20261206-234008-5847");
}

TEST_F(JournalTest, NoJournalIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadJournal("").status()));
}

}  // namespace
}  // namespace osfleet::ctl
