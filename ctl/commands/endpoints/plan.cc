// endpoints plan: validate a change on every server and show the per-field diff.
#include "ctl/commands/address_flags.h"
#include "ctl/commands/advanced_settings_flag.h"
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

int RunEndpointsPlan(const GlobalOptions& global, const EndpointAddresses& addresses,
                     const std::string& advanced_settings) {
  absl::StatusOr<std::vector<v1::EndpointChange>> changes = ChangesToMake(addresses);
  if (!changes.ok()) return ReportError(changes.status());
  return WithCheckedFleet(global, [&](const FleetContext& c) {
    auto plan =
        CallPlan(c.targets(), c.fanout(), *changes, AdvancedSettingsChoiceFor(advanced_settings));
    PrintEndpointsPlan(c, *changes, plan, "");
    return ExitCodeForPlan(Failures(plan));
  });
}

void AddEndpointsPlan(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  auto addresses = std::make_shared<EndpointAddresses>();
  auto advanced = std::make_shared<std::string>();
  CLI::App* plan = endpoints.add_subcommand("plan", "validate a change and show the diff");
  AddAddressFlags(plan, *addresses, AddressHelp::kWithSyntax);
  AddAdvancedSettingsFlag(plan, *advanced);
  OnChosen(plan, action, [&global, addresses, advanced] {
    return RunEndpointsPlan(global, *addresses, *advanced);
  });
}

}  // namespace osfleet::ctl
