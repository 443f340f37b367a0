#include <string>

#include "common/model/host_port.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

TEST(ParseHostPortTest, HostAndPort) {
  absl::StatusOr<HostPort> hp = ParseHostPort("10.0.0.5:7443", "--agent");
  ASSERT_OK(hp);
  EXPECT_EQ(hp->host, "10.0.0.5");
  EXPECT_THAT(hp->port, Optional(7443u));
  EXPECT_EQ(hp->ToString(), "10.0.0.5:7443");
}

TEST(ParseHostPortTest, HostWithoutPort) {
  absl::StatusOr<HostPort> hp = ParseHostPort("dc01.corp.example.com", "address");
  ASSERT_OK(hp);
  EXPECT_EQ(hp->host, "dc01.corp.example.com");
  EXPECT_FALSE(hp->port.has_value());
  EXPECT_EQ(hp->ToString(7443), "dc01.corp.example.com:7443");
}

TEST(ParseHostPortTest, BracketedIpv6) {
  absl::StatusOr<HostPort> hp = ParseHostPort("[::1]:0", "--listen");
  ASSERT_OK(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_THAT(hp->port, Optional(0u));
  EXPECT_EQ(hp->ToString(), "[::1]:0");
  hp = ParseHostPort("[2001:db8::5]", "address");
  ASSERT_OK(hp);
  EXPECT_EQ(hp->host, "2001:db8::5");
  EXPECT_FALSE(hp->port.has_value());
  EXPECT_EQ(hp->ToString(9), "[2001:db8::5]:9");
}

TEST(ParseHostPortTest, PortBounds) {
  EXPECT_THAT(ParseHostPort("h:65535", "x")->port, Optional(65535u));
  for (const char* text : {"h:65536", "h:-1", "h:", "h:http", "h:80x"}) {
    absl::Status s = ParseHostPort(text, "--agent").status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--agent")) << text;
  }
}

TEST(ParseHostPortTest, BareIpv6IsRefusedWithAHint) {
  absl::Status s = ParseHostPort("2001:db8::5:7443", "--listen").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("[addr]:port"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("--listen: '2001:db8::5:7443'"));
}

TEST(ParseHostPortTest, MalformedBrackets) {
  absl::Status s = ParseHostPort("[::1:7443", "a").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("never closes"));
  s = ParseHostPort("[::1]7443", "a").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("after ']'"));
}

TEST(ParseHostPortTest, BadHostsAreRefused) {
  for (const char* text : {"", ":7443", "bad_host!", "a b:1", "-dash.example.com", "[]:80"}) {
    absl::Status s = ParseHostPort(text, "address").status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << "'" << text << "'";
    EXPECT_THAT(std::string(s.message()), HasSubstr("address")) << text;
  }
}

// A port is digits only: no sign, no spaces (absl::SimpleAtoi alone accepts both).
TEST(ParseHostPortTest, PortIsDigitsOnly) {
  for (const char* text : {"h: 80", "h:+80", "h:80 "}) {
    EXPECT_EQ(ParseHostPort(text, "x").status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << text << "'";
  }
}

}  // namespace
}  // namespace osfleet
