#include <cstdio>
#include <string>

#include "ctl/commands/commands.h"

namespace osfleet::ctl {

int ReportError(const absl::Status& status) {
  std::fprintf(stderr, "osctl: %s\n", std::string(status.message()).c_str());
  return absl::IsInvalidArgument(status) || absl::IsNotFound(status) ? kExitUsage : kExitFailed;
}

}  // namespace osfleet::ctl
