// The Windows side of common/platform/ip_address.h: literals are read and written exactly
// as glibc's inet_pton / inet_ntop do on the POSIX side (the expected texts below are
// glibc's), including the cases where Wine's or Windows' own functions differ.
#include "common/platform/ip_address.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

TEST(WindowsIpAddress, ParsesStrictLiteralsAndFormatsThemCanonically) {
  std::optional<IpAddress> v4 = ParseIpAddress("10.0.0.5");
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->bytes[0], 10);
  EXPECT_EQ(v4->bytes[1], 0);
  EXPECT_EQ(v4->bytes[3], 5);
  EXPECT_EQ(FormatIpAddress(*v4), "10.0.0.5");
  std::optional<IpAddress> v6 = ParseIpAddress("2001:DB8:0:0::5");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->bytes[0], 0x20);
  EXPECT_EQ(v6->bytes[1], 0x01);
  EXPECT_EQ(v6->bytes[15], 5);
  EXPECT_EQ(FormatIpAddress(*v6), "2001:db8::5");
}

// Each literal and glibc's text for it.
TEST(WindowsIpAddress, AcceptsWhatGlibcAcceptsAndWritesWhatGlibcWrites) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0.0.0.0", "0.0.0.0"},
      {"255.255.255.255", "255.255.255.255"},
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
      {"::1.2.3.4", "::1.2.3.4"},
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      {"0001::1", "1::1"},
      // Windows' inet_ntop writes these three with a dotted quad; glibc does not.
      {"::ffff:0:1.2.3.4", "::ffff:0:102:304"},
      {"fe80::5efe:1.2.3.4", "fe80::5efe:102:304"},
      {"64:ff9b::1.2.3.4", "64:ff9b::102:304"},
      // And this one glibc writes with a dotted quad, Windows' does not.
      {"::ffff:0:0", "::ffff:0.0.0.0"},
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},       // the longest zero run
      {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},  // a single zero group stays
      {"0:0:0:0:0:1:0:0", "::1:0:0"},          // the first of two equal runs
      {"FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (const auto& [text, canonical] : cases) {
    std::optional<IpAddress> ip = ParseIpAddress(text);
    ASSERT_TRUE(ip.has_value()) << text;
    EXPECT_EQ(FormatIpAddress(*ip), canonical) << text;
    // The canonical text reads back as the same address.
    std::optional<IpAddress> again = ParseIpAddress(canonical);
    ASSERT_TRUE(again.has_value()) << canonical;
    EXPECT_EQ(again->bytes, ip->bytes) << canonical;
  }
}

TEST(WindowsIpAddress, RefusesWhatGlibcRefuses) {
  for (const char* text : {"", "db01", "1.2.3", "10.0.0", "01.2.3.4", "1.2.3.04", " 1.2.3.4",
                           "1.2.3.4 ", "10.0.0.5 ", "127.1", "0x7f.0.0.1", "1.2.3.4.5", "256.1.1.1",
                           "10.0.0.256", "1..2.3", "1.2.3.4.", "1.2.3.-4"}) {
    EXPECT_FALSE(ParseIpAddress(text).has_value()) << "'" << text << "'";
  }
  for (const char* text :
       {"::ffff:01.2.3.4",  // Wine's inet_pton takes this one
        "::ffff:1.2.3", "00000::1", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "[::1]", "fe80::1%1",
        "fe80::1%eth0", " ::1", "::1 ", ":::", "1::2::3", "1::2:", ":1::2",
        "12345::", "1:2:3:4:5:6:7:1.2.3.4", "G::1", "1.2.3.4::", "::1.2.3.4:1"}) {
    EXPECT_FALSE(ParseIpAddress(text).has_value()) << "'" << text << "'";
  }
  EXPECT_FALSE(ParseIpv6("10.0.0.5").has_value());
  EXPECT_FALSE(ParseIpv4("::1").has_value());
  EXPECT_TRUE(ParseIpv4("10.0.0.5").has_value());
  EXPECT_TRUE(ParseIpv6("::1").has_value());
}

// As on POSIX, where inet_pton reads the text as a C string: it ends at a NUL.
TEST(WindowsIpAddress, ReadsUpToTheFirstNulAsPosixDoes) {
  std::optional<IpAddress> ip = ParseIpAddress(std::string("10.0.0.5\0junk", 13));
  ASSERT_TRUE(ip.has_value());
  EXPECT_EQ(FormatIpAddress(*ip), "10.0.0.5");
}

}  // namespace
}  // namespace osfleet::platform::testing
