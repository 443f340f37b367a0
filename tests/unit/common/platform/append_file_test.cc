#include "common/platform/append_file.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/common/platform/temp_dir.h"

namespace osfleet::platform {
namespace {

using testing::ModeOf;
using testing::ReadRaw;
using testing::TempDir;

TEST(AppendDurablyTest, CreatesAPrivateFileAndAppends) {
  TempDir dir;
  const std::string path = dir.Sub("audit.log");
  ASSERT_TRUE(AppendDurably(path, "one\n").ok());
  ASSERT_TRUE(AppendDurably(path, "two\n").ok());
  EXPECT_EQ(ReadRaw(path), "one\ntwo\n");
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(AppendDurablyTest, ConcurrentAppendsNeverInterleave) {
  TempDir dir;
  const std::string path = dir.Sub("audit.log");
  const std::string a(3000, 'a'), b(3000, 'b');
  std::vector<std::thread> threads;
  for (const std::string* line : {&a, &b}) {
    threads.emplace_back([&path, line] {
      for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendDurably(path, *line + "\n").ok());
    });
  }
  for (std::thread& t : threads) t.join();
  const std::string text = ReadRaw(path);
  EXPECT_EQ(text.size(), 40 * 3001u);
  for (size_t pos = 0; pos < text.size(); pos += 3001) {
    EXPECT_EQ(text.find_first_not_of(text[pos], pos), pos + 3000) << pos;
  }
}

TEST(AppendDurablyTest, AMissingFolderFailsAtOpen) {
  TempDir dir;
  Result<void> appended = AppendDurably(dir.Sub("missing/audit.log"), "x\n");
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().what, "open");
  EXPECT_EQ(appended.error().Message(), "open: No such file or directory");
}

}  // namespace
}  // namespace osfleet::platform
