#include "agent/windows_service/firewall_command.h"

#include <cstdio>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/server/serve.h"
#include "common/model/host_port.h"
#include "common/platform/default_paths.h"
#include "common/platform/firewall.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

void PrintError(const std::string& message) {
  std::fprintf(stderr, "osagent: %s\n", ValidUtf8(message).c_str());
}

int ExitFor(const platform::Error& error) {
  return error.code == platform::make_error_code(platform::Errc::kInvalidArgument) ? kExitUsage : 1;
}

// --port, else the port of the config's `listen` (a fixed one: port 0 opens nothing).
absl::StatusOr<int> PortToOpen(const FirewallFlags& flags) {
  if (flags.port != 0) {
    if (flags.port < 1 || flags.port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("--port ", flags.port, ": not a TCP port (1..65535)"));
    }
    return flags.port;
  }
  const std::string path =
      flags.config.empty() ? platform::DefaultAgentPaths().config : flags.config;
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(path);
  if (!config.ok()) return config.status();
  absl::StatusOr<HostPort> listen = ParseHostPort(config->listen, absl::StrCat(path, ": listen"));
  if (!listen.ok()) return listen.status();
  if (!listen->port.has_value() || *listen->port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": listen '", config->listen,
                                                   "' has no fixed port to open; give --port"));
  }
  return static_cast<int>(*listen->port);
}

}  // namespace

FirewallCommands AddFirewallCommands(CLI::App& app, FirewallFlags& flags) {
  CLI::App* firewall =
      app.add_subcommand("firewall", "the Windows Firewall's inbound rule for the agent's port")
          ->require_subcommand(1);
  FirewallCommands c;
  c.add = firewall->add_subcommand(
      "add", absl::StrCat("allow inbound TCP to the agent's port (the rule '", kFirewallRuleName,
                          "'; again: replace it)"));
  c.add->add_option("--config", flags.config,
                    "the config whose listen port is opened (default: " +
                        platform::DefaultAgentPaths().config + ")");
  c.add->add_option("--port", flags.port, "this port instead of the config's");
  c.remove = firewall->add_subcommand("remove", "remove that rule");
  return c;
}

int AddAgentFirewallRule(const FirewallFlags& flags) {
  absl::StatusOr<int> port = PortToOpen(flags);
  if (!port.ok()) {
    PrintError(absl::StrCat("firewall rule not added: ", port.status().message()));
    return kExitUsage;
  }
  const platform::FirewallRule rule{
      kFirewallRuleName, "osctl's mTLS calls to the osfleet agent (added by its MSI, FIREWALL=1)",
      *port};
  if (platform::Result<void> added = platform::AddFirewallRule(rule); !added.ok()) {
    PrintError(absl::StrCat("firewall rule not added: ", added.error().Message()));
    return ExitFor(added.error());
  }
  std::printf("firewall: inbound TCP %d allowed (rule '%s')\n", *port, kFirewallRuleName);
  return 0;
}

int RemoveAgentFirewallRule(const FirewallFlags&) {
  platform::Result<bool> removed = platform::RemoveFirewallRule(kFirewallRuleName);
  if (!removed.ok()) {
    PrintError(absl::StrCat("firewall rule not removed: ", removed.error().Message()));
    return ExitFor(removed.error());
  }
  std::printf(*removed ? "firewall: removed the rule '%s'\n"
                       : "firewall: no rule '%s': nothing to remove\n",
              kFirewallRuleName);
  return 0;
}

}  // namespace osfleet::agent
