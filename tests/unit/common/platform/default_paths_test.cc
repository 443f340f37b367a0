#include "common/platform/default_paths.h"

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

// No Platform Server runs on POSIX: GetInfo's platform_server_version stays empty there
// (the Windows side reads the registry: tests/windows/platform/default_paths_test.cc).
TEST(DefaultPathsTest, NoPlatformServerVersionOnPosix) { EXPECT_EQ(PlatformServerVersion(), ""); }

}  // namespace
}  // namespace osfleet::platform
