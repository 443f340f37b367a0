#include "common/platform/files.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::platform {
namespace {

using ::testing::HasSubstr;
using testing::ModeOf;
using testing::SetMode;
using testing::TempDir;
using ::testing::UnorderedElementsAre;
using testing::WriteFile;

TEST(SecretFileIsPrivateTest, OwnerOnlyIsPrivateReadableByOthersIsNot) {
  TempDir dir;
  const std::string secret = dir.Sub("sc-password.hash");
  WriteFile(secret, "#hash");
  SetMode(secret, 0600);
  Result<bool> owner_only = SecretFileIsPrivate(secret);
  ASSERT_TRUE(owner_only.ok()) << owner_only.error().Message();
  EXPECT_TRUE(*owner_only);

  SetMode(secret, 0644);
  Result<bool> world_readable = SecretFileIsPrivate(secret);
  ASSERT_TRUE(world_readable.ok());
  EXPECT_FALSE(*world_readable);

  // The group is the owner's choice (the agent's own group may read it).
  SetMode(secret, 0640);
  EXPECT_TRUE(*SecretFileIsPrivate(secret));
}

TEST(SecretFileIsPrivateTest, MissingFileIsAnError) {
  TempDir dir;
  Result<bool> missing = SecretFileIsPrivate(dir.Sub("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().NotFound());
  EXPECT_THAT(missing.error().Message(), HasSubstr(dir.Sub("missing")));
}

TEST(ReadFileCappedTest, ReadsUpToTheCapAndRefusesMore) {
  TempDir dir;
  const std::string path = dir.Sub("f");
  WriteFile(path, std::string(100, 'a'));
  Result<std::string> whole = ReadFileCapped(path, 100);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->size(), 100u);
  Result<std::string> capped = ReadFileCapped(path, 99);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().code, Errc::kTooLarge);
  EXPECT_EQ(capped.error().Message(), path + " is 100 bytes, more than the 99-byte limit");
}

TEST(ReadFileCappedTest, MissingFileAndFolder) {
  TempDir dir;
  Result<std::string> missing = ReadFileCapped(dir.Sub("missing"), 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().NotFound());
  EXPECT_EQ(missing.error().Message(),
            "opening " + dir.Sub("missing") + ": No such file or directory");
  Result<std::string> folder = ReadFileCapped(dir.path(), 10);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
  EXPECT_EQ(folder.error().Message(), dir.path() + " is not a regular file");
}

TEST(FoldersTest, MakeDirsListAndRemove) {
  TempDir dir;
  const std::string deep = dir.Sub("a/b/c");
  ASSERT_TRUE(MakeDirs(deep, 0700).ok());
  EXPECT_EQ(*KindOf(deep), PathKind::kFolder);
  ASSERT_TRUE(MakeDirs(deep, 0700).ok());  // existing folders are fine
  ASSERT_TRUE(MakeDir(deep, 0700).ok());
  WriteFile(deep + "/x", "1");
  WriteFile(deep + "/y", "2");
  EXPECT_EQ(*KindOf(deep + "/x"), PathKind::kFile);
  Result<std::vector<std::string>> names = ListFolder(deep);
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, UnorderedElementsAre("x", "y"));
  ASSERT_TRUE(RemoveFile(deep + "/x").ok());
  ASSERT_TRUE(RemoveFile(deep + "/x").ok());  // already gone: fine
  EXPECT_FALSE(PathExists(deep + "/x"));
  EXPECT_THAT(*ListFolder(deep), UnorderedElementsAre("y"));
}

TEST(FoldersTest, ErrorsNameThePath) {
  TempDir dir;
  WriteFile(dir.Sub("file"), "");
  Result<void> through_file = MakeDirs(dir.Sub("file/sub"), 0700);
  ASSERT_FALSE(through_file.ok());
  EXPECT_EQ(through_file.error().what, "cannot create " + dir.Sub("file/sub"));
  Result<std::vector<std::string>> missing = ListFolder(dir.Sub("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().NotFound());
  EXPECT_FALSE(KindOf(dir.Sub("missing")).ok());
}

TEST(FoldersTest, PrivateDirIsOwnerOnlyWhateverTheUmask) {
  TempDir dir;
  ASSERT_TRUE(MakePrivateDir(dir.Sub("pki")).ok());
  EXPECT_EQ(ModeOf(dir.Sub("pki")), 0700u);
  EXPECT_FALSE(MakePrivateDir(dir.Sub("pki")).ok());  // exists already
}

TEST(FilesTest, SetFileModeAndAccess) {
  TempDir dir;
  const std::string path = dir.Sub("tool");
  WriteFile(path, "#!/bin/sh\n");
  ASSERT_TRUE(SetFileMode(path, 0700).ok());
  EXPECT_EQ(ModeOf(path), 0700u);
  EXPECT_TRUE(CheckAccess(path, Access::kRead).ok());
  EXPECT_TRUE(CheckAccess(path, Access::kExecute).ok());
  ASSERT_TRUE(SetFileMode(path, 0600).ok());
  EXPECT_FALSE(CheckAccess(path, Access::kExecute).ok());
  Result<void> missing = CheckAccess(dir.Sub("missing"), Access::kRead);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().Message(), dir.Sub("missing") + ": No such file or directory");
}

// osctl doctor's hsconf.writable and state_dir.space: both only ask.
TEST(FilesTest, CheckAccessForWritingAsksOnly) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "<x/>");
  EXPECT_TRUE(CheckAccess(path, Access::kWrite).ok());
  EXPECT_TRUE(CheckAccess(dir.path(), Access::kWrite).ok());
  EXPECT_EQ(ReadFileCapped(path, 100).value(), "<x/>");
  Result<void> missing = CheckAccess(dir.Sub("missing"), Access::kWrite);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().Message(), dir.Sub("missing") + ": No such file or directory");
}

TEST(FilesTest, AvailableBytesOfAFolder) {
  TempDir dir;
  Result<std::uint64_t> free = AvailableBytes(dir.path());
  ASSERT_TRUE(free.ok()) << free.error().Message();
  EXPECT_GT(*free, 0u);
  Result<std::uint64_t> missing = AvailableBytes(dir.Sub("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().Message(),
            "inspecting the free space of " + dir.Sub("missing") + ": No such file or directory");
}

TEST(FilesTest, PathExistsSeesADanglingLink) {
  TempDir dir;
  std::error_code error;
  std::filesystem::create_symlink(dir.Sub("nowhere"), dir.Sub("link"), error);
  ASSERT_FALSE(error);
  EXPECT_TRUE(PathExists(dir.Sub("link")));
  EXPECT_FALSE(KindOf(dir.Sub("link")).ok());
}

// A log followed while it grows: the bytes after `from`, never more than the last
// max_bytes; a file rewritten since (`from` past its end) gives its last bytes.
TEST(ReadFileTailTest, ReadsTheEndOfAFileFromAnOffset) {
  TempDir dir;
  const std::string log = dir.Sub("tool.log");
  WriteFile(log, "0123456789");
  Result<FileTail> tail = ReadFileTail(log, 4, 100);
  ASSERT_TRUE(tail.ok()) << tail.error().Message();
  EXPECT_EQ(tail->bytes, "456789");
  EXPECT_EQ(tail->offset, 4u);
  EXPECT_EQ(tail->size, 10u);
  tail = ReadFileTail(log, 0, 3);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, "789");
  EXPECT_EQ(tail->offset, 7u);
  tail = ReadFileTail(log, 50, 3);  // rewritten shorter since
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, "789");
  tail = ReadFileTail(log, 10, 3);  // nothing new
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, "");
  Result<FileTail> missing = ReadFileTail(dir.Sub("none"), 0, 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().Message(), HasSubstr("opening " + dir.Sub("none")));
  Result<FileTail> folder = ReadFileTail(dir.path(), 0, 3);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
}

}  // namespace
}  // namespace osfleet::platform
