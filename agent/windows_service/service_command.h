// `osagent service install|uninstall|run`: osagent as the Windows service `osagent`.
// install registers it (automatic start, restarted on failure) to run
// `osagent.exe service run --config PATH`; uninstall stops and removes it; run is what the
// Service Control Manager starts: the console agent's Serve(), logging to a file. On Linux
// each says that systemd runs osagent as it is (packaging/osagent.service).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace osfleet::agent {

constexpr char kServiceName[] = "osagent";

struct ServiceFlags {
  std::string config;   // default: platform::DefaultAgentPaths().config
  std::string account;  // default: LocalSystem
  int stop_timeout_seconds = 60;
};

struct ServiceCommands {
  CLI::App* install = nullptr;
  CLI::App* uninstall = nullptr;
  CLI::App* run = nullptr;
};

// Adds `service` and its three subcommands to app, filling flags.
ServiceCommands AddServiceCommands(CLI::App& app, ServiceFlags& flags);

// Each prints what it did (or why not) and returns the exit code: 0, or 2 for a request
// that cannot be done as asked (bad config or account, not on Windows), 1 for an OS error.
int InstallAgentService(const ServiceFlags& flags);
int UninstallAgentService(const ServiceFlags& flags);
int RunAgentService(const ServiceFlags& flags);

// Whether Windows runs a service as `account` without a password: LocalSystem,
// LocalService, NetworkService, a virtual account (NT SERVICE\NAME) or a group managed
// service account (DOMAIN\NAME$). Empty means LocalSystem.
bool AccountNeedsNoPassword(const std::string& account);

}  // namespace osfleet::agent
