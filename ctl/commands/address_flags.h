// --platform, --log, --session: the new database addresses, declared here once for every
// command that takes them (endpoints plan | set, probe, rollout plan | apply).
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/fleet/endpoint_addresses.h"

namespace osfleet::ctl {

// kWithSyntax: --platform's help shows the address syntax; kShort: it does not.
enum class AddressHelp { kWithSyntax, kShort };

void AddAddressFlags(CLI::App* command, EndpointAddresses& addresses, AddressHelp help);

}  // namespace osfleet::ctl
