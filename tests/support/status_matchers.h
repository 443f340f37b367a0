// Assertions and gMock matchers on absl::Status, absl::StatusOr<T> and grpc::Status:
//
//   ASSERT_OK(store.Read()) << "context";  // prints the code and message when it fails
//   EXPECT_THAT(result, IsOk());
//   EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(reply, StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("lease")));
//
// A failed `EXPECT_TRUE(s.ok())` says only "false"; these say which code and why.
#pragma once

#include <grpcpp/support/status.h>

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::testing {
namespace internal {

// What every status type has: a code (gRPC's and Abseil's share their numbers) and a message.
struct StatusView {
  int code = 0;
  std::string message;
};

inline StatusView ViewOf(const absl::Status& s) {
  return {static_cast<int>(s.code()), std::string(s.message())};
}
inline StatusView ViewOf(const grpc::Status& s) {
  return {static_cast<int>(s.error_code()), s.error_message()};
}
template <typename T>
StatusView ViewOf(const absl::StatusOr<T>& s) {
  return ViewOf(s.status());
}

// "INVALID_ARGUMENT", the name of a code of either kind.
std::string CodeName(int code);
// "OK", or "INVALID_ARGUMENT: lease: ...".
std::string Describe(const StatusView& view);

template <typename S>
::testing::AssertionResult AssertOk(const char* text, const S& status) {
  const StatusView view = ViewOf(status);
  if (view.code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text << " is not OK: " << Describe(view);
}

class IsOkMatcher {
 public:
  template <typename S>
  bool MatchAndExplain(const S& status, ::testing::MatchResultListener* listener) const {
    const StatusView view = ViewOf(status);
    *listener << "which is " << Describe(view);
    return view.code == 0;
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(int code, ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename S>
  bool MatchAndExplain(const S& status, ::testing::MatchResultListener* listener) const {
    const StatusView view = ViewOf(status);
    *listener << "which is " << Describe(view);
    return view.code == code_ && message_.Matches(view.message);
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has code " << CodeName(code_) << " and a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has a code other than " << CodeName(code_) << " or a message that ";
    message_.DescribeNegationTo(os);
  }

 private:
  int code_;
  ::testing::Matcher<const std::string&> message_;
};

}  // namespace internal

// An OK absl::Status, absl::StatusOr or grpc::Status.
inline ::testing::PolymorphicMatcher<internal::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(internal::IsOkMatcher());
}

// A status with this code (absl::StatusCode or grpc::StatusCode) and, when given, a message
// that `message` matches (a string: equal; or HasSubstr(...), ...).
template <typename Code>
::testing::PolymorphicMatcher<internal::StatusIsMatcher> StatusIs(Code code) {
  return ::testing::MakePolymorphicMatcher(
      internal::StatusIsMatcher(static_cast<int>(code), ::testing::A<const std::string&>()));
}
template <typename Code, typename MessageMatcher>
::testing::PolymorphicMatcher<internal::StatusIsMatcher> StatusIs(Code code,
                                                                  MessageMatcher message) {
  return ::testing::MakePolymorphicMatcher(internal::StatusIsMatcher(
      static_cast<int>(code), ::testing::MatcherCast<const std::string&>(std::move(message))));
}

}  // namespace osfleet::testing

// A status that must be OK; more context can be streamed in as with EXPECT_TRUE.
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::osfleet::testing::internal::AssertOk, expr)
#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::osfleet::testing::internal::AssertOk, expr)

// gtest prints a value it has no printer for as raw bytes: these two print as code and
// message (found by argument-dependent lookup, hence their namespaces).
namespace grpc {
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << ::osfleet::testing::internal::Describe(::osfleet::testing::internal::ViewOf(status));
}
}  // namespace grpc
namespace absl {
template <typename T>
void PrintTo(const StatusOr<T>& status, std::ostream* os) {
  *os << ::osfleet::testing::internal::Describe(::osfleet::testing::internal::ViewOf(status));
}
}  // namespace absl
