// The rollout journal: which one `rollout status | resume | rollback` take without an id.
#include "ctl/ops/rollout/journal.h"

#include <stdlib.h>

#include <fstream>
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

TEST_F(JournalTest, TheAdvancedSettingsChoiceAndEachHostsWarningsAreKept) {
  Journal j;
  j.id = "20261207-020000-abcd";
  j.path = RolloutDir() + "/" + j.id + ".json";
  j.options.advanced_settings = "keep";
  HostRecord h;
  h.name = "dc01";
  h.warnings = {"platform database: kept (--advanced-settings keep): ..."};
  j.hosts.push_back(h);
  ASSERT_TRUE(SaveJournal(j).ok());
  absl::StatusOr<Journal> loaded = LoadJournal(j.id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->options.advanced_settings, "keep");
  ASSERT_EQ(loaded->hosts.size(), 1u);
  EXPECT_EQ(loaded->hosts[0].warnings, h.warnings);
}

TEST_F(JournalTest, AJournalFromBeforeTheChoiceRefuses) {
  Journal j;
  j.id = "20261207-020001-abcd";
  j.path = RolloutDir() + "/" + j.id + ".json";
  j.options.advanced_settings = "keep";
  ASSERT_TRUE(SaveJournal(j).ok());
  std::ifstream in(j.path);
  nlohmann::json doc = nlohmann::json::parse(in);
  in.close();
  ASSERT_EQ(doc["options"].erase("advanced_settings"), 1u);
  std::ofstream(j.path) << doc.dump();
  absl::StatusOr<Journal> loaded = LoadJournal(j.id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->options.advanced_settings, "refuse");
}

TEST_F(JournalTest, NoJournalIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadJournal("").status()));
}

}  // namespace
}  // namespace osfleet::ctl
