// An inbound rule in the host firewall for the agent's port (the MSI's FIREWALL=1,
// `osagent firewall add|remove`). Windows: the Windows Firewall through its COM API
// (INetFwPolicy2, the API `New-NetFirewallRule` and netsh drive). POSIX: the distribution's
// firewall (nftables, ufw, firewalld) is the administrator's; these calls say so.
#pragma once

#include <string>

#include "common/platform/result.h"

namespace osfleet::platform {

struct FirewallRule {
  std::string name;  // the rule's name, its key: "osfleet agent (osagent)"
  std::string description;
  int tcp_port = 0;  // inbound TCP to this local port is allowed, from any address, in
                     // every profile (domain, private, public)
};

// Adds the rule, replacing a rule of the same name (a new port on an upgrade). The Error
// names the call that failed and its HRESULT ("INetFwRules::Add ... failed, HRESULT
// 0x80004001: Not implemented.").
// POSIX: Errc::kInvalidArgument.
Result<void> AddFirewallRule(const FirewallRule& rule);

// Removes the rule named `name`: true; false when there is none. POSIX: kInvalidArgument.
Result<bool> RemoveFirewallRule(const std::string& name);

}  // namespace osfleet::platform
