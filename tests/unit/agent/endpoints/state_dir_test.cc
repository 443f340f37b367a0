// The agent's state folder: created private, locked against a second agent, the lock
// kept by a moved-from handle. (Moved from agent_config_test.cc.)
#include "agent/endpoints/state_dir.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "state_dir_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    path_ = root_ + "/a/b/state";
  }
  void TearDown() override {
    unlink((path_ + "/osagent.lock").c_str());
    rmdir(path_.c_str());
    rmdir((root_ + "/a/b").c_str());
    rmdir((root_ + "/a").c_str());
    rmdir(root_.c_str());
  }
  std::string root_, path_;
};

TEST_F(StateDirTest, OpenCreatesTheFolderPrivately) {
  absl::StatusOr<StateDir> dir = StateDir::Open(path_);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(dir->path(), path_);
  EXPECT_EQ(dir->Sub("backups"), path_ + "/backups");
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0077, 0u);
  EXPECT_EQ(access((path_ + "/osagent.lock").c_str(), F_OK), 0);
}

TEST_F(StateDirTest, SecondOpenIsRefusedUntilTheFirstIsGone) {
  std::optional<absl::StatusOr<StateDir>> first(StateDir::Open(path_));
  ASSERT_TRUE(first->ok()) << first->status();
  absl::StatusOr<StateDir> second = StateDir::Open(path_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("osagent.lock"));
  first.reset();
  absl::StatusOr<StateDir> third = StateDir::Open(path_);
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST_F(StateDirTest, AMovedFromDirKeepsTheLock) {
  absl::StatusOr<StateDir> first = StateDir::Open(path_);
  ASSERT_TRUE(first.ok()) << first.status();
  std::optional<StateDir> moved(std::move(*first));
  EXPECT_EQ(StateDir::Open(path_).status().code(), absl::StatusCode::kFailedPrecondition);
  moved.reset();
  EXPECT_TRUE(StateDir::Open(path_).ok());
}

}  // namespace
}  // namespace osfleet::agent
