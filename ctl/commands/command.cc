#include "ctl/commands/command.h"

#include "ctl/output/exit_code.h"

namespace osfleet::ctl {

int WithFleet(const GlobalOptions& global, const std::function<int(const FleetContext&)>& run) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(global);
  if (!ctx.ok()) return ReportError(ctx.status());
  return run(**ctx);
}

}  // namespace osfleet::ctl
