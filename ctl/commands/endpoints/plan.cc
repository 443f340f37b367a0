// endpoints plan: validate a change on every server and show the per-field diff.
#include "ctl/commands/address_flags.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/output/endpoint_diffs.h"
#include "ctl/output/exit_code.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {

absl::StatusOr<std::vector<v1::EndpointChange>> ChangesToMake(const EndpointAddresses& addresses) {
  absl::StatusOr<std::vector<v1::EndpointChange>> changes = CheckedEndpointChanges(addresses);
  if (changes.ok() && changes->empty()) {
    return absl::InvalidArgumentError(
        "give at least one new address: --platform, --log and/or --session");
  }
  return changes;
}

int RunEndpointsPlan(const GlobalOptions& global, const EndpointAddresses& addresses) {
  absl::StatusOr<std::vector<v1::EndpointChange>> changes = ChangesToMake(addresses);
  if (!changes.ok()) return ReportError(changes.status());
  return WithCheckedFleet(global, [&](const FleetContext& c) {
    auto plan = CallPlan(c.targets(), c.fanout(), *changes);
    PrintEndpointsPlan(c, *changes, plan, "");
    return ExitCodeForHosts(Failures(plan), kExitFailed);
  });
}

void AddEndpointsPlan(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  auto addresses = std::make_shared<EndpointAddresses>();
  CLI::App* plan = endpoints.add_subcommand("plan", "validate a change and show the diff");
  AddAddressFlags(plan, *addresses, AddressHelp::kWithSyntax);
  OnChosen(plan, action, [&global, addresses] { return RunEndpointsPlan(global, *addresses); });
}

}  // namespace osfleet::ctl
