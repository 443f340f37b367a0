#include "common/platform/firewall.h"

namespace osfleet::platform {
namespace {

Error NotHere(const std::string& what) {
  return Error{make_error_code(Errc::kInvalidArgument),
               what +
                   " is for the Windows Firewall; on Linux open the agent's port with the "
                   "distribution's firewall (nftables, ufw, firewalld)"};
}

}  // namespace

Result<void> AddFirewallRule(const FirewallRule&) { return NotHere("osagent firewall add"); }

Result<bool> RemoveFirewallRule(const std::string&) { return NotHere("osagent firewall remove"); }

}  // namespace osfleet::platform
