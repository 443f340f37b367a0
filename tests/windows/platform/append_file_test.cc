// The Windows side of the audit log's durable appends.
#include "common/platform/append_file.h"

#include "common/platform/files.h"
#include "gtest/gtest.h"
#include "tests/windows/platform/temp_dir.h"

namespace osfleet::platform::testing {
namespace {

TEST(WindowsAppend, AppendsWholeLinesAndCreatesThePrivateFile) {
  TempDir dir;
  const std::string path = dir.Sub("audit.log");
  ASSERT_TRUE(AppendDurably(path, "one\n").ok());
  ASSERT_TRUE(AppendDurably(path, "two\n").ok());
  EXPECT_EQ(ReadRaw(path), "one\ntwo\n");
  EXPECT_TRUE(*SecretFileIsPrivate(path));
}

TEST(WindowsAppend, AppendOnlyFileFinishesACutLineAndFollowsARotation) {
  TempDir dir;
  const std::string path = dir.Sub("audit.log");
  WriteRaw(path, "whole\ncut");
  AppendOnlyFile log(path);
  ASSERT_TRUE(log.Reserve(4096).ok());
  ASSERT_TRUE(log.Append("next\n").ok());
  EXPECT_EQ(ReadRaw(path), "whole\ncut\nnext\n");
  // Rotated by renaming while open: the next line goes to a new file at the path.
  ASSERT_TRUE(MoveFileExW(win::Wide(path).c_str(), win::Wide(dir.Sub("audit.log.1")).c_str(), 0));
  ASSERT_TRUE(log.Append("after\n").ok());
  EXPECT_EQ(ReadRaw(path), "after\n");
  EXPECT_EQ(ReadRaw(dir.Sub("audit.log.1")), "whole\ncut\nnext\n");
}

TEST(WindowsAppend, TwoAppendersInterleaveWholeLines) {
  TempDir dir;
  const std::string path = dir.Sub("audit.log");
  AppendOnlyFile a(path), b(path);
  ASSERT_TRUE(a.Append("a1\n").ok());
  ASSERT_TRUE(b.Append("b1\n").ok());
  ASSERT_TRUE(a.Append("a2\n").ok());
  EXPECT_EQ(ReadRaw(path), "a1\nb1\na2\n");
}

}  // namespace
}  // namespace osfleet::platform::testing
