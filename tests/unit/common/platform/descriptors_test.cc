#include "common/platform/descriptors.h"

#include <sys/resource.h>

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

TEST(DescriptorLimitTest, RaiseSetsTheSoftLimitToTheHardOne) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max < 128) GTEST_SKIP() << "hard limit too low to lower the soft one";
  rlimit lowered = saved;
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  Result<DescriptorLimit> before = GetDescriptorLimit();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->soft, 64u);
  Result<DescriptorLimit> raised = RaiseDescriptorLimit();
  ASSERT_TRUE(raised.ok()) << raised.error().Message();
  EXPECT_EQ(raised->soft, raised->hard);
  EXPECT_EQ(raised->hard, std::min<std::uint64_t>(saved.rlim_max, kMaxDescriptorLimit));
  setrlimit(RLIMIT_NOFILE, &saved);
}

}  // namespace
}  // namespace osfleet::platform
