#include "common/platform/ip_address.h"

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

TEST(IpAddressTest, ParsesStrictLiteralsAndFormatsThemCanonically) {
  std::optional<IpAddress> v4 = ParseIpAddress("10.0.0.5");
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->bytes[0], 10);
  EXPECT_EQ(v4->bytes[3], 5);
  EXPECT_EQ(FormatIpAddress(*v4), "10.0.0.5");
  std::optional<IpAddress> v6 = ParseIpAddress("2001:DB8:0:0::5");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(FormatIpAddress(*v6), "2001:db8::5");
  EXPECT_EQ(FormatIpAddress(*ParseIpAddress("::ffff:127.0.0.1")), "::ffff:127.0.0.1");
}

TEST(IpAddressTest, RefusesWhatIsNotALiteral) {
  for (const char* text :
       {"", "db01", "10.0.0", "10.0.0.256", "127.1", "[::1]", "fe80::1%eth0", "10.0.0.5 "}) {
    EXPECT_FALSE(ParseIpAddress(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseIpv6("10.0.0.5").has_value());
  EXPECT_FALSE(ParseIpv4("::1").has_value());
}

}  // namespace
}  // namespace osfleet::platform
