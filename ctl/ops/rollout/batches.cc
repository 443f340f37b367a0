#include "ctl/ops/rollout/batches.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace osfleet::ctl {

absl::StatusOr<int> ParseCount(absl::string_view text, int total, absl::string_view flag,
                               bool allow_zero) {
  absl::string_view number = text;
  const bool percent = absl::ConsumeSuffix(&number, "%");
  int value = 0;
  const bool digits =
      !number.empty() && std::all_of(number.begin(), number.end(), absl::ascii_isdigit);
  if (!digits || !absl::SimpleAtoi(number, &value) || (percent && value > 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' is not a count (N) or a percentage (N%, at most 100%)"));
  }
  if (percent) value = (value * total + 99) / 100;
  if (value == 0 && !allow_zero) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": '", text, "' must be at least 1"));
  }
  return value;
}

std::vector<std::vector<size_t>> PlanBatches(const std::vector<v1::ServerRole>& roles, int canary,
                                             int batch_size) {
  std::vector<std::vector<size_t>> batches;
  std::vector<size_t> front_ends;
  for (size_t i = 0; i < roles.size(); ++i) {
    if (roles[i] == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER) {
      batches.push_back({i});
    } else {
      front_ends.push_back(i);
    }
  }
  size_t next = 0;
  if (canary > 0 && !front_ends.empty()) {
    const size_t n = std::min(front_ends.size(), static_cast<size_t>(canary));
    batches.emplace_back(front_ends.begin(), front_ends.begin() + n);
    next = n;
  }
  const size_t size = static_cast<size_t>(std::max(batch_size, 1));
  while (next < front_ends.size()) {
    const size_t end = std::min(front_ends.size(), next + size);
    batches.emplace_back(front_ends.begin() + next, front_ends.begin() + end);
    next = end;
  }
  return batches;
}

}  // namespace osfleet::ctl
