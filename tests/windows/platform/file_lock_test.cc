// The Windows side of FileLock: LockFileEx on the state dir's lock file.
#include "common/platform/file_lock.h"

#include "gtest/gtest.h"
#include "tests/windows/platform/temp_dir.h"

namespace osfleet::platform::testing {
namespace {

TEST(WindowsFileLock, ASecondLockIsRefusedUntilTheFirstIsReleased) {
  TempDir dir("état");
  const std::string path = dir.Sub("osagent.lock");
  Result<FileLock> first = FileLock::Acquire(path);
  ASSERT_TRUE(first.ok()) << first.error().Message();
  EXPECT_TRUE(first->held());
  Result<FileLock> second = FileLock::Acquire(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kLockHeld);
  EXPECT_EQ(second.error().Message(), path + " is locked");
  *first = FileLock();
  EXPECT_TRUE(FileLock::Acquire(path).ok());
}

TEST(WindowsFileLock, AMissingFolderIsTheOsError) {
  TempDir dir;
  Result<FileLock> lock = FileLock::Acquire(dir.Sub("none") + "\\osagent.lock");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().what, "opening " + dir.Sub("none") + "\\osagent.lock");
  EXPECT_TRUE(lock.error().NotFound());
}

}  // namespace
}  // namespace osfleet::platform::testing
