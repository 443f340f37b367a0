#include "common/platform/file_lock.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::platform {
namespace {

using testing::ModeOf;
using testing::TempDir;

TEST(FileLockTest, ASecondLockerIsRefusedUntilTheFirstLets) {
  TempDir dir;
  const std::string path = dir.Sub("osagent.lock");
  Result<FileLock> first = FileLock::Acquire(path);
  ASSERT_TRUE(first.ok()) << first.error().Message();
  EXPECT_TRUE(first->held());
  EXPECT_EQ(ModeOf(path), 0600u);

  Result<FileLock> second = FileLock::Acquire(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kLockHeld);
  EXPECT_EQ(second.error().Message(), path + " is locked");

  FileLock moved = *std::move(first);  // moving keeps the lock
  EXPECT_FALSE(FileLock::Acquire(path).ok());
  moved = FileLock();  // releases it
  EXPECT_TRUE(FileLock::Acquire(path).ok());
}

TEST(FileLockTest, AFolderThatDoesNotExistIsAnOsError) {
  TempDir dir;
  Result<FileLock> lock = FileLock::Acquire(dir.Sub("missing/osagent.lock"));
  ASSERT_FALSE(lock.ok());
  EXPECT_TRUE(lock.error().NotFound());
  EXPECT_EQ(lock.error().what, "opening " + dir.Sub("missing/osagent.lock"));
}

}  // namespace
}  // namespace osfleet::platform
