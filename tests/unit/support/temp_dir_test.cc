// The one temp dir every test uses: there while it lives, gone afterwards with everything
// in it, also a folder a test took every right away from, and never through a link.
#include "tests/support/temp_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/files.h"

namespace osfleet::testing {
namespace {

bool Exists(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::exists(std::filesystem::symlink_status(path, ignored));
}

TEST(TempDirTest, IsRemovedWithAFolderThatLostItsRights) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  std::optional<TempDir> tmp(std::in_place);
  const std::string path = tmp->path();
  ASSERT_FALSE(path.empty());
  ASSERT_EQ(mkdir(tmp->Sub("locked").c_str(), 0700), 0);
  WriteFile(tmp->Sub("locked/file"), "bytes");
  ASSERT_EQ(mkdir(tmp->Sub("locked/deeper").c_str(), 0700), 0);
  SetMode(tmp->Sub("locked/deeper"), 0);
  SetMode(tmp->Sub("locked"), 0);
  tmp.reset();
  EXPECT_FALSE(Exists(path));
}

TEST(TempDirTest, ALinkOutOfItIsNotFollowed) {
  TempDir outside;
  WriteFile(outside.Sub("kept"), "bytes");
  SetMode(outside.path(), 0500);
  {
    TempDir tmp;
    ASSERT_EQ(symlink(outside.path().c_str(), tmp.Sub("link").c_str()), 0);
  }
  EXPECT_EQ(ModeOf(outside.path()), 0500u);
  EXPECT_EQ(ReadFile(outside.Sub("kept")), "bytes");
}

TEST(TempDirTest, EachIsItsOwn) {
  TempDir a, b;
  EXPECT_NE(a.path(), b.path());
  EXPECT_EQ(a.Sub("x"), a.path() + "/x");
}

}  // namespace
}  // namespace osfleet::testing
