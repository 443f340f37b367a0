#include "common/platform/host_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

TEST(HostInfoTest, NamesThisMachineAndItsOs) {
  char name[256] = {};
  ASSERT_EQ(gethostname(name, sizeof(name) - 1), 0);
  EXPECT_EQ(HostName(), name);
  utsname u{};
  ASSERT_EQ(uname(&u), 0);
  EXPECT_EQ(OperatingSystem(), std::string(u.sysname) + " " + u.release + " " + u.machine);
}

}  // namespace
}  // namespace osfleet::platform
