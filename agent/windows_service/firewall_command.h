// `osagent firewall add|remove`: the inbound Windows Firewall rule for the agent's port
// (the MSI runs add with FIREWALL=1 and remove on uninstall). The port is the one the
// config's `listen` names unless --port gives another.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace osfleet::agent {

constexpr char kFirewallRuleName[] = "osfleet agent (osagent)";

struct FirewallFlags {
  std::string config;  // default: platform::DefaultAgentPaths().config
  int port = 0;        // 0: the config's listen port
};

struct FirewallCommands {
  CLI::App* add = nullptr;
  CLI::App* remove = nullptr;
};

FirewallCommands AddFirewallCommands(CLI::App& app, FirewallFlags& flags);

// Each prints what it did, or why not: 0; 2 for a config or port that names no fixed port
// (or not on Windows); 1 when the firewall refused (the message names the call).
int AddAgentFirewallRule(const FirewallFlags& flags);
int RemoveAgentFirewallRule(const FirewallFlags& flags);

}  // namespace osfleet::agent
