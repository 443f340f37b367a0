// Where journals live (ctl/ops/rollout/journal_dir.h): the rollouts folder of osctl's state
// folder, paths split and recognised with the OS's separator.
#include "ctl/ops/rollout/journal_dir.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl {
namespace {

TEST(JournalDirTest, TheRolloutsFolderOfTheStateFolder) {
  testing::TempDir dir;
  setenv("OSFLEET_STATE_DIR", dir.path().c_str(), 1);
  absl::StatusOr<std::string> found = FindRolloutDir();
  unsetenv("OSFLEET_STATE_DIR");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, dir.path() + "/rollouts");
}

TEST(JournalDirTest, FolderOfAndPathsOnPosix) {
  EXPECT_EQ(FolderOf("/home/op/.local/state/osfleet/rollouts/x.json"),
            "/home/op/.local/state/osfleet/rollouts");
  EXPECT_EQ(FolderOf("x.json"), ".");
  EXPECT_EQ(FolderOf("/x.json"), "");
  EXPECT_TRUE(IsJournalPath("./x.json"));
  EXPECT_FALSE(IsJournalPath("20261127-020301-3f9a"));
  // A backslash is a letter of a POSIX file name, not a separator.
  EXPECT_FALSE(IsJournalPath("C:\\x.json"));
}

}  // namespace
}  // namespace osfleet::ctl
