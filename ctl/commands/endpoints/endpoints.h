// endpoints: the database endpoints in server.hsconf. One file per command in this folder.
#pragma once

#include "ctl/commands/command.h"
#include "ctl/fleet/endpoint_addresses.h"

namespace osfleet::ctl {

void RegisterEndpoints(CLI::App& app, const GlobalOptions& global, Action& action);

void AddEndpointsGet(CLI::App& endpoints, const GlobalOptions& global, Action& action);
void AddEndpointsPlan(CLI::App& endpoints, const GlobalOptions& global, Action& action);
void AddEndpointsSet(CLI::App& endpoints, const GlobalOptions& global, Action& action);
void AddEndpointsBackups(CLI::App& endpoints, const GlobalOptions& global, Action& action);
void AddEndpointsConfirm(CLI::App& endpoints, const GlobalOptions& global, Action& action);
void AddEndpointsRollback(CLI::App& endpoints, const GlobalOptions& global, Action& action);
void AddEndpointsConnections(CLI::App& endpoints, const GlobalOptions& global, Action& action);

// endpoints plan (plan.cc), also run by `endpoints set --dry-run`: validate the change on
// every server and show the per-field diff; changes nothing.
// advanced_settings: "refuse", "rewrite" or "keep" (--advanced-settings).
int RunEndpointsPlan(const GlobalOptions& global, const EndpointAddresses& addresses,
                     const std::string& advanced_settings);

// The changes that plan and set send (plan.cc): INVALID_ARGUMENT naming the flag of a bad
// address, or when no address is given.
absl::StatusOr<std::vector<v1::EndpointChange>> ChangesToMake(const EndpointAddresses& addresses);

}  // namespace osfleet::ctl
