#include "common/io/atomic_file.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    path_ = dir_ + "/server.hsconf";
  }

  std::vector<std::string> List() const {
    std::vector<std::string> names;
    DIR* dir = opendir(dir_.c_str());
    if (dir == nullptr) return names;
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(dir);
    return names;
  }

  static void WriteRaw(const std::string& path, const std::string& bytes, mode_t mode) {
    std::ofstream(path, std::ios::binary) << bytes;
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }

  static std::string ReadRaw(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_;
  std::string path_;
};

TEST_F(AtomicFileTest, CreatesANewFileWithTheRequestedMode) {
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  ASSERT_OK(WriteFileAtomically(path_, "hello\r\n", options));
  EXPECT_EQ(ReadRaw(path_), "hello\r\n");
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_THAT(List(), ::testing::ElementsAre("server.hsconf"));  // no temp file left
}

TEST_F(AtomicFileTest, ReplacingKeepsTheExistingMode) {
  WriteRaw(path_, "old", 0640);
  ASSERT_OK(WriteFileAtomically(path_, "new contents"));
  EXPECT_EQ(ReadRaw(path_), "new contents");
  EXPECT_EQ(ModeOf(path_), 0640u);
  EXPECT_EQ(List().size(), 1u);
}

TEST_F(AtomicFileTest, WritesLargeAndBinaryContent) {
  std::string bytes;
  for (int i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>(i % 256));
  ASSERT_OK(WriteFileAtomically(path_, bytes));
  absl::StatusOr<std::string> read = ReadFileCapped(path_, bytes.size());
  ASSERT_OK(read);
  EXPECT_EQ(*read, bytes);
}

TEST_F(AtomicFileTest, ReportsEveryStepInOrder) {
  std::vector<WriteStep> steps;
  AtomicWriteOptions options;
  options.after_step = [&steps](WriteStep step) { steps.push_back(step); };
  ASSERT_OK(WriteFileAtomically(path_, "x", options));
  EXPECT_THAT(steps, ::testing::ElementsAre(WriteStep::kTempCreated, WriteStep::kTempWritten,
                                            WriteStep::kTempSynced, WriteStep::kRenamed,
                                            WriteStep::kDirSynced));
}

TEST_F(AtomicFileTest, ReadEnforcesTheCap) {
  WriteRaw(path_, std::string(100, 'a'), 0644);
  EXPECT_OK(ReadFileCapped(path_, 100));
  absl::StatusOr<std::string> read = ReadFileCapped(path_, 99);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr("is 100 bytes, more than the 99-byte limit"));
  EXPECT_THAT(std::string(read.status().message()), HasSubstr(path_));
}

TEST_F(AtomicFileTest, ReadRefusesADirectory) {
  absl::StatusOr<std::string> read = ReadFileCapped(dir_, 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("not a regular file"));
}

TEST_F(AtomicFileTest, ReadOfAMissingFileIsNotFound) {
  absl::StatusOr<std::string> read = ReadFileCapped(dir_ + "/missing", 1000);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(read.status().message()), HasSubstr(dir_ + "/missing"));
}

TEST_F(AtomicFileTest, WriteRefusesToReplaceADirectory) {
  ASSERT_EQ(mkdir(path_.c_str(), 0700), 0);
  absl::Status status = WriteFileAtomically(path_, "x");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  rmdir(path_.c_str());
}

TEST_F(AtomicFileTest, ReadOnlyFolderFailsAndLeavesTheFileUntouched) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  WriteRaw(path_, "old", 0644);
  ASSERT_EQ(chmod(dir_.c_str(), 0500), 0);
  absl::Status status = WriteFileAtomically(path_, "new");
  chmod(dir_.c_str(), 0700);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(status.message()), HasSubstr(dir_));
  EXPECT_EQ(ReadRaw(path_), "old");
  EXPECT_EQ(List().size(), 1u);
}

// A crash after any step leaves exactly the old or the new content at the path.
TEST_F(AtomicFileTest, CrashAtEveryStepLeavesOldOrNew) {
  const std::string old_bytes = "old contents\r\n" + std::string(5000, 'o');
  const std::string new_bytes = "new contents\r\n" + std::string(7000, 'n');
  for (WriteStep crash_at : {WriteStep::kTempCreated, WriteStep::kTempWritten,
                             WriteStep::kTempSynced, WriteStep::kRenamed, WriteStep::kDirSynced}) {
    SCOPED_TRACE(static_cast<int>(crash_at));
    WriteRaw(path_, old_bytes, 0640);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      AtomicWriteOptions options;
      options.after_step = [crash_at](WriteStep step) {
        if (step == crash_at) _exit(0);
      };
      (void)WriteFileAtomically(path_, new_bytes, options);
      _exit(1);  // the crash point was never reached
    }
    int wstatus = 0;
    ASSERT_EQ(waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFEXITED(wstatus));
    ASSERT_EQ(WEXITSTATUS(wstatus), 0);
    const bool renamed = static_cast<int>(crash_at) >= static_cast<int>(WriteStep::kRenamed);
    EXPECT_EQ(ReadRaw(path_), renamed ? new_bytes : old_bytes);
    EXPECT_EQ(ModeOf(path_), 0640u);
    // Remove the temp file a crash leaves behind before the next round.
    for (const std::string& name : List()) {
      if (name != "server.hsconf") unlink((dir_ + "/" + name).c_str());
    }
  }
}

}  // namespace
}  // namespace osfleet
