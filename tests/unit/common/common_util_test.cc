#include <string>

#include "common/duration.h"
#include "common/host_port.h"
#include "common/role.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

// ----- ParseHostPort ---------------------------------------------------------------------

TEST(ParseHostPortTest, HostAndPort) {
  absl::StatusOr<HostPort> hp = ParseHostPort("10.0.0.5:7443", "--agent");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "10.0.0.5");
  EXPECT_THAT(hp->port, Optional(7443u));
  EXPECT_EQ(hp->ToString(), "10.0.0.5:7443");
}

TEST(ParseHostPortTest, HostWithoutPort) {
  absl::StatusOr<HostPort> hp = ParseHostPort("dc01.corp.example.com", "address");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "dc01.corp.example.com");
  EXPECT_FALSE(hp->port.has_value());
  EXPECT_EQ(hp->ToString(7443), "dc01.corp.example.com:7443");
}

TEST(ParseHostPortTest, BracketedIpv6) {
  absl::StatusOr<HostPort> hp = ParseHostPort("[::1]:0", "--listen");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "::1");
  EXPECT_THAT(hp->port, Optional(0u));
  EXPECT_EQ(hp->ToString(), "[::1]:0");
  hp = ParseHostPort("[2001:db8::5]", "address");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "2001:db8::5");
  EXPECT_FALSE(hp->port.has_value());
  EXPECT_EQ(hp->ToString(9), "[2001:db8::5]:9");
}

TEST(ParseHostPortTest, PortBounds) {
  EXPECT_THAT(ParseHostPort("h:65535", "x")->port, Optional(65535u));
  for (const char* text : {"h:65536", "h:-1", "h:", "h:http", "h:80x"}) {
    absl::Status s = ParseHostPort(text, "--agent").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--agent")) << text;
  }
}

TEST(ParseHostPortTest, BareIpv6IsRefusedWithAHint) {
  absl::Status s = ParseHostPort("2001:db8::5:7443", "--listen").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("[addr]:port"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("--listen: '2001:db8::5:7443'"));
}

TEST(ParseHostPortTest, MalformedBrackets) {
  absl::Status s = ParseHostPort("[::1:7443", "a").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("never closes"));
  s = ParseHostPort("[::1]7443", "a").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("after ']'"));
}

TEST(ParseHostPortTest, BadHostsAreRefused) {
  for (const char* text : {"", ":7443", "bad_host!", "a b:1", "-dash.example.com", "[]:80"}) {
    absl::Status s = ParseHostPort(text, "address").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << "'" << text << "'";
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

// ----- ParseDuration ---------------------------------------------------------------------

TEST(ParseDurationTest, RefusesInfinity) {
  EXPECT_EQ(ParseDuration("inf", "--timeout").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseDurationTest, AcceptsUsualForms) {
  EXPECT_EQ(*ParseDuration("500ms", "--timeout"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDuration("10s", "--timeout"), absl::Seconds(10));
  EXPECT_EQ(*ParseDuration("5m", "--timeout"), absl::Minutes(5));
  EXPECT_EQ(*ParseDuration("1h30m", "--timeout"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("1.5s", "--timeout"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDuration("0", "--timeout"), absl::ZeroDuration());
}

TEST(ParseDurationTest, RefusesTextThatIsNotADuration) {
  for (const char* text : {"", "abc", "10", "5 m", "10sec", "1h30"}) {
    absl::Status s = ParseDuration(text, "--confirm-timeout").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << "'" << text << "'";
    EXPECT_THAT(std::string(s.message()),
                HasSubstr(std::string("--confirm-timeout: '") + text + "'"));
  }
}

TEST(ParseDurationTest, RefusesNegative) {
  absl::Status s = ParseDuration("-5s", "--timeout").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--timeout: '-5s' is negative"));
}

// ----- Roles -----------------------------------------------------------------------------

TEST(RoleTest, ParsesLongAndShortFormsInAnyCase) {
  EXPECT_EQ(*ParseRole("deployment_controller"), v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(*ParseRole("DC"), v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(*ParseRole("front_end"), v1::SERVER_ROLE_FRONT_END);
  EXPECT_EQ(*ParseRole("Fe"), v1::SERVER_ROLE_FRONT_END);
}

TEST(RoleTest, RefusesOtherNames) {
  for (const char* text : {"", "frontend", "controller", "unspecified", " dc"}) {
    absl::Status s = ParseRole(text).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << "'" << text << "'";
    EXPECT_THAT(std::string(s.message()), HasSubstr("deployment_controller, front_end"));
  }
}

TEST(RoleTest, NamesRoundTrip) {
  EXPECT_EQ(RoleName(v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER), "deployment_controller");
  EXPECT_EQ(RoleName(v1::SERVER_ROLE_FRONT_END), "front_end");
  EXPECT_EQ(RoleName(v1::SERVER_ROLE_UNSPECIFIED), "unspecified");
  for (auto role : {v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER, v1::SERVER_ROLE_FRONT_END}) {
    EXPECT_EQ(*ParseRole(RoleName(role)), role);
  }
}

}  // namespace
}  // namespace osfleet
