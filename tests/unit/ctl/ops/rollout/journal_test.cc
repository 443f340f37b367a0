// The rollout journal: which one `rollout status | resume | rollback` take without an id;
// what an older journal's missing fields mean.
#include "ctl/ops/rollout/journal.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl {
namespace {

using ::testing::HasSubstr;

// The least a journal osctl writes has: a new address.
Journal Minimal() {
  Journal j;
  j.options.platform = "sqlnew01,1433";
  return j;
}

class JournalTest : public ::testing::Test {
 protected:
  JournalTest() { setenv("OSFLEET_STATE_DIR", dir_.path().c_str(), 1); }
  ~JournalTest() override { unsetenv("OSFLEET_STATE_DIR"); }

  void Save(const std::string& id, absl::Time created) {
    Journal j = Minimal();
    j.id = id;
    j.path = RolloutDir() + "/" + id + ".json";
    j.created = created;
    ASSERT_OK(SaveJournal(j));
  }

  osfleet::testing::TempDir dir_;
};

TEST_F(JournalTest, TheNewestIsTheOneCreatedLastEvenWithinTheSameSecond) {
  const absl::Time t = absl::FromUnixSeconds(1796000000);
  Save("20261206-234007-ffff", t - absl::Seconds(1));         // an earlier second sorts first
  Save("20261206-234008-5847", t);                            // a declined plan...
  Save("20261206-234008-451f", t + absl::Milliseconds(300));  // ...then the apply
  absl::StatusOr<Journal> newest = LoadJournal("");
  ASSERT_OK(newest);
  EXPECT_EQ(newest->id, "20261206-234008-451f");
  absl::StatusOr<Journal> named = LoadJournal("20261206-234008-5847");
  ASSERT_OK(named);
  EXPECT_EQ(named->id, "20261206-234008-5847");
}

// The Service Center installation was opt-in before it became the default: a journal
// without the field ran without it, and its resume and rollback must too.
TEST_F(JournalTest, TheServiceCenterInstallationIsRecordedAndOffInAnOlderJournal) {
  Journal j = Minimal();
  j.id = "20261207-010000-aaaa";
  j.path = RolloutDir() + "/" + j.id + ".json";
  j.options.install_service_center = true;
  ASSERT_OK(SaveJournal(j));
  absl::StatusOr<Journal> now = LoadJournal(j.id);
  ASSERT_OK(now);
  EXPECT_TRUE(now->options.install_service_center);

  std::stringstream text;
  text << std::ifstream(j.path).rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str());
  ASSERT_EQ(doc["options"].erase("install_service_center"), 1u);
  std::ofstream(j.path, std::ios::trunc) << doc.dump();
  absl::StatusOr<Journal> older = LoadJournal(j.id);
  ASSERT_OK(older);
  EXPECT_FALSE(older->options.install_service_center);
}

TEST_F(JournalTest, TheAdvancedSettingsChoiceAndEachHostsWarningsAreKept) {
  Journal j = Minimal();
  j.id = "20261207-020000-abcd";
  j.path = RolloutDir() + "/" + j.id + ".json";
  j.options.advanced_settings = "keep";
  HostRecord h;
  h.name = "dc01";
  h.role = "deployment_controller";
  j.batches = 1;
  h.warnings = {"platform database: kept (--advanced-settings keep): ..."};
  j.hosts.push_back(h);
  ASSERT_OK(SaveJournal(j));
  absl::StatusOr<Journal> loaded = LoadJournal(j.id);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->options.advanced_settings, "keep");
  ASSERT_EQ(loaded->hosts.size(), 1u);
  EXPECT_EQ(loaded->hosts[0].warnings, h.warnings);
}

TEST_F(JournalTest, AJournalFromBeforeTheChoiceRefuses) {
  Journal j = Minimal();
  j.id = "20261207-020001-abcd";
  j.path = RolloutDir() + "/" + j.id + ".json";
  j.options.advanced_settings = "keep";
  ASSERT_OK(SaveJournal(j));
  std::ifstream in(j.path);
  nlohmann::json doc = nlohmann::json::parse(in);
  in.close();
  ASSERT_EQ(doc["options"].erase("advanced_settings"), 1u);
  std::ofstream(j.path) << doc.dump();
  absl::StatusOr<Journal> loaded = LoadJournal(j.id);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->options.advanced_settings, "refuse");
}

// Finding 1: a journal decides which servers change and how, so it is read only when it is
// the operator's alone, as a private key is.
TEST_F(JournalTest, AJournalOthersMayReadOrWriteIsRefused) {
  Journal j = Minimal();
  j.id = "20261207-030000-abcd";
  j.path = RolloutDir() + "/" + j.id + ".json";
  ASSERT_OK(SaveJournal(j));
  struct stat st;
  ASSERT_EQ(stat(j.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(RolloutDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_OK(LoadJournal(j.id));

  for (mode_t mode : {0644, 0620, 0604, 0640}) {
    ASSERT_EQ(chmod(j.path.c_str(), mode), 0);
    absl::Status s = LoadJournal(j.id).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("the rollout journal " + j.path + ": mode 0" +
                                                    absl::StrFormat("%o", mode) +
                                                    ": its group or others may read or write it"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("chmod 600 " + j.path));
  }
  ASSERT_EQ(chmod(j.path.c_str(), 0600), 0);
  ASSERT_EQ(chmod(RolloutDir().c_str(), 0755), 0);
  absl::Status s = LoadJournal(j.id).status();
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("the rollouts folder " + RolloutDir() + ": mode 0755"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("chmod 700 " + RolloutDir()));
  // Saving into it is refused too, rather than writing a journal no resume would read.
  EXPECT_TRUE(absl::IsFailedPrecondition(SaveJournal(j)));
  ASSERT_EQ(chmod(RolloutDir().c_str(), 0700), 0);
  EXPECT_OK(LoadJournal(j.id));
}

TEST_F(JournalTest, AJournalOwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "only root can give a file to another user";
  Journal j = Minimal();
  j.id = "20261207-030001-abcd";
  j.path = RolloutDir() + "/" + j.id + ".json";
  ASSERT_OK(SaveJournal(j));
  ASSERT_EQ(chown(j.path.c_str(), 4242, static_cast<gid_t>(-1)), 0);
  absl::Status s = LoadJournal(j.id).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("the rollout journal " + j.path +
                                                  ": it belongs to uid 4242, not to this "
                                                  "user (uid 0)"));
}

TEST_F(JournalTest, NoJournalIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadJournal("").status()));
}

}  // namespace
}  // namespace osfleet::ctl
