#include <string>

#include "common/time/duration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

// ----- ParseDuration ---------------------------------------------------------------------

TEST(ParseDurationTest, RefusesInfinity) {
  EXPECT_THAT(ParseDuration("inf", "--timeout"), StatusIs(absl::StatusCode::kInvalidArgument));
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
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << "'" << text << "'";
    EXPECT_THAT(std::string(s.message()),
                HasSubstr(std::string("--confirm-timeout: '") + text + "'"));
  }
}

TEST(ParseDurationTest, RefusesNegative) {
  absl::Status s = ParseDuration("-5s", "--timeout").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("--timeout: '-5s' is negative"));
}

}  // namespace
}  // namespace osfleet
