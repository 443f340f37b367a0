#include "common/platform/append_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::platform {
namespace {

using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;

TEST(AppendDurablyTest, CreatesAPrivateFileAndAppends) {
  TempDir dir;
  const std::string path = dir.Sub("audit.log");
  ASSERT_TRUE(AppendDurably(path, "one\n").ok());
  ASSERT_TRUE(AppendDurably(path, "two\n").ok());
  EXPECT_EQ(ReadFile(path), "one\ntwo\n");
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
  const std::string text = ReadFile(path);
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

// Sets a resource limit of this process for the scope and restores it after.
class ScopedLimit {
 public:
  ScopedLimit(int resource, rlim_t soft) : resource_(resource) {
    getrlimit(resource_, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    EXPECT_EQ(setrlimit(resource_, &lowered), 0);
  }
  ~ScopedLimit() { setrlimit(resource_, &saved_); }

 private:
  int resource_;
  rlimit saved_{};
};

TEST(AppendOnlyFileTest, AppendsWholeLinesToAPrivateFile) {
  TempDir dir;
  AppendOnlyFile file(dir.Sub("audit.log"));
  ASSERT_TRUE(file.Append("one\n").ok());
  ASSERT_TRUE(file.Append("two\n").ok());
  EXPECT_EQ(ReadFile(file.path()), "one\ntwo\n");
  EXPECT_EQ(ModeOf(file.path()), 0600u);
}

TEST(AppendOnlyFileTest, APartialWriteIsCutBack) {
  TempDir dir;
  AppendOnlyFile file(dir.Sub("audit.log"));
  ASSERT_TRUE(file.Append("one\n").ok());
  signal(SIGXFSZ, SIG_IGN);  // past RLIMIT_FSIZE write() then fails instead of killing us
  Result<void> cut;
  {
    ScopedLimit limit(RLIMIT_FSIZE, 4 + 10);  // 10 bytes of the line fit, then "disk full"
    cut = file.Append(std::string(100, 'x') + "\n");
  }
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().what, "write");
  EXPECT_EQ(ReadFile(file.path()), "one\n");  // not "one\nxxxxxxxxxx"
  ASSERT_TRUE(file.Append("two\n").ok());
  EXPECT_EQ(ReadFile(file.path()), "one\ntwo\n");
}

TEST(AppendOnlyFileTest, WritesWhenNoDescriptorIsLeft) {
  TempDir dir;
  AppendOnlyFile file(dir.Sub("audit.log"));
  ASSERT_TRUE(file.Reserve(4096).ok());  // opens it
  const int lowest = fcntl(0, F_DUPFD, 0);
  close(lowest);
  {
    ScopedLimit limit(RLIMIT_NOFILE, static_cast<rlim_t>(lowest));
    ASSERT_EQ(fopen(dir.Sub("other").c_str(), "w"), nullptr);  // no descriptor left
    Result<void> appended = file.Append("one\n");
    EXPECT_TRUE(appended.ok()) << appended.error().Message();
    EXPECT_TRUE(file.Reserve(4096).ok());
  }
  EXPECT_EQ(ReadFile(file.path()), "one\n");
}

TEST(AppendOnlyFileTest, ARotatedLogIsReopenedAtItsPath) {
  TempDir dir;
  AppendOnlyFile file(dir.Sub("audit.log"));
  ASSERT_TRUE(file.Append("one\n").ok());
  ASSERT_EQ(rename(dir.Sub("audit.log").c_str(), dir.Sub("audit.log.1").c_str()), 0);
  ASSERT_TRUE(file.Append("two\n").ok());
  EXPECT_EQ(ReadFile(dir.Sub("audit.log.1")), "one\n");
  EXPECT_EQ(ReadFile(dir.Sub("audit.log")), "two\n");
  EXPECT_EQ(ModeOf(dir.Sub("audit.log")), 0600u);
}

TEST(AppendOnlyFileTest, ALineCutBeforeStartsTheNextOnANewLine) {
  TempDir dir;
  testing::WriteFile(dir.Sub("audit.log"), "{\"a\":1}\n{\"cut");
  AppendOnlyFile file(dir.Sub("audit.log"));
  ASSERT_TRUE(file.Append("{\"b\":2}\n").ok());
  ASSERT_TRUE(file.Append("{\"c\":3}\n").ok());
  EXPECT_EQ(ReadFile(file.path()), "{\"a\":1}\n{\"cut\n{\"b\":2}\n{\"c\":3}\n");
}

TEST(AppendOnlyFileTest, ReserveDoesNotChangeTheSize) {
  TempDir dir;
  AppendOnlyFile file(dir.Sub("audit.log"));
  ASSERT_TRUE(file.Append("one\n").ok());
  ASSERT_TRUE(file.Reserve(64 << 10).ok());
  EXPECT_EQ(ReadFile(file.path()), "one\n");
}

TEST(AppendOnlyFileTest, ReserveInAMissingFolderFailsAtOpen) {
  TempDir dir;
  AppendOnlyFile file(dir.Sub("missing/audit.log"));
  Result<void> reserved = file.Reserve(4096);
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.error().Message(), "open: No such file or directory");
}

}  // namespace
}  // namespace osfleet::platform
