// The agent's state folder: made private with its parents, and held by one agent at a time
// (its lock file).
#include "agent/endpoints/state_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

class StateDirTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  const std::string path_ = tmp_.Sub("a/b/state");  // neither level exists yet
};

TEST_F(StateDirTest, OpenCreatesTheFolderPrivately) {
  absl::StatusOr<StateDir> dir = StateDir::Open(path_);
  ASSERT_OK(dir);
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
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("osagent.lock"));
  first.reset();
  absl::StatusOr<StateDir> third = StateDir::Open(path_);
  EXPECT_OK(third);
}

TEST_F(StateDirTest, AMovedFromDirKeepsTheLock) {
  absl::StatusOr<StateDir> first = StateDir::Open(path_);
  ASSERT_OK(first);
  std::optional<StateDir> moved(std::move(*first));
  EXPECT_THAT(StateDir::Open(path_), StatusIs(absl::StatusCode::kFailedPrecondition));
  moved.reset();
  EXPECT_OK(StateDir::Open(path_));
}

}  // namespace
}  // namespace osfleet::agent
