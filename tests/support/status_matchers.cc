#include "tests/support/status_matchers.h"

#include "absl/strings/str_cat.h"

namespace osfleet::testing::internal {

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string Describe(const StatusView& view) {
  if (view.code == 0) return "OK";
  return absl::StrCat(CodeName(view.code), ": ", view.message);
}

}  // namespace osfleet::testing::internal
