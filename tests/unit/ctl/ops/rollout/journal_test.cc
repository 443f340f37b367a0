// The rollout journal: which one `rollout status | resume | rollback` take without an id;
// what an older journal's missing fields mean.
#include "ctl/ops/rollout/journal.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

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

// The Service Center installation was opt-in before it became the default: a journal
// without the field ran without it, and its resume and rollback must too.
TEST_F(JournalTest, TheServiceCenterInstallationIsRecordedAndOffInAnOlderJournal) {
  Journal j;
  j.id = "20261207-010000-aaaa";
  j.path = RolloutDir() + "/" + j.id + ".json";
  j.options.install_service_center = true;
  ASSERT_TRUE(SaveJournal(j).ok());
  absl::StatusOr<Journal> now = LoadJournal(j.id);
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_TRUE(now->options.install_service_center);

  std::stringstream text;
  text << std::ifstream(j.path).rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str());
  ASSERT_EQ(doc["options"].erase("install_service_center"), 1u);
  std::ofstream(j.path, std::ios::trunc) << doc.dump();
  absl::StatusOr<Journal> older = LoadJournal(j.id);
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_FALSE(older->options.install_service_center);
}

TEST_F(JournalTest, NoJournalIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadJournal("").status()));
}

}  // namespace
}  // namespace osfleet::ctl
