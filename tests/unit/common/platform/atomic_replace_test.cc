#include "common/platform/atomic_replace.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/common/platform/temp_dir.h"

namespace osfleet::platform {
namespace {

using ::testing::ElementsAre;
using testing::ModeOf;
using testing::ReadRaw;
using testing::SetMode;
using testing::TempDir;
using testing::WriteRaw;

TEST(ReplaceFileAtomicallyTest, ReplacingKeepsTheModeOfTheFile) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "old");
  SetMode(path, 0640);
  ASSERT_TRUE(ReplaceFileAtomically(path, "new contents").ok());
  EXPECT_EQ(ReadRaw(path), "new contents");
  EXPECT_EQ(ModeOf(path), 0640u);
}

TEST(ReplaceFileAtomicallyTest, ANewFileGetsExactlyTheRequestedMode) {
  TempDir dir;
  const std::string path = dir.Sub("pending.json");
  ReplaceOptions options;
  options.new_file_mode = 0600;
  std::vector<ReplaceStep> steps;
  options.after_step = [&steps](ReplaceStep step) { steps.push_back(step); };
  ASSERT_TRUE(ReplaceFileAtomically(path, std::string("a\0b", 3), options).ok());
  EXPECT_EQ(ReadRaw(path), std::string("a\0b", 3));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_THAT(
      steps, ElementsAre(ReplaceStep::kTempCreated, ReplaceStep::kTempWritten,
                         ReplaceStep::kTempSynced, ReplaceStep::kRenamed, ReplaceStep::kDirSynced));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(ReplaceFileAtomicallyTest, ASymlinkKeepsPointingAtTheReplacedTarget) {
  TempDir dir;
  WriteRaw(dir.Sub("real"), "old");
  std::error_code error;
  std::filesystem::create_symlink(dir.Sub("real"), dir.Sub("link"), error);
  ASSERT_FALSE(error);
  ASSERT_TRUE(ReplaceFileAtomically(dir.Sub("link"), "new").ok());
  EXPECT_TRUE(std::filesystem::is_symlink(dir.Sub("link")));
  EXPECT_EQ(ReadRaw(dir.Sub("real")), "new");
}

TEST(ReplaceFileAtomicallyTest, RefusesAFolderAndAMissingParent) {
  TempDir dir;
  Result<void> folder = ReplaceFileAtomically(dir.path(), "x");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
  EXPECT_EQ(folder.error().Message(), dir.path() + " is not a regular file");
  Result<void> no_parent = ReplaceFileAtomically(dir.Sub("missing/f"), "x");
  ASSERT_FALSE(no_parent.ok());
  EXPECT_TRUE(no_parent.error().NotFound());
  EXPECT_EQ(no_parent.error().what, "creating a temp file in " + dir.Sub("missing"));
}

}  // namespace
}  // namespace osfleet::platform
