// Where the agent's files are when its config does not say, and which Platform Server the
// machine has (on Windows both from what OutSystems' installer records in the registry).
#pragma once

#include <string>

namespace osfleet::platform {

struct AgentPaths {
  // server.hsconf. Windows: in the Platform Server folder the registry names
  // (HKLM\SOFTWARE\OutSystems\Installer\Server, its default value, as OutSystems' own
  // installer records it), else C:\Program Files\OutSystems\Platform Server. POSIX: the
  // same Windows path (an agent on Linux is always told where its file is).
  std::string hsconf;
  // Backups, pending changes, the audit log. Windows: %ProgramData%\osfleet;
  // POSIX: /var/lib/osagent.
  std::string state_dir;
  // The config `osagent service install` registers by default. Windows:
  // %ProgramData%\osfleet\agent.yaml; POSIX: /etc/osagent/agent.yaml.
  std::string config;
  // The log file of the agent run as a service. Windows:
  // %ProgramData%\osfleet\logs\osagent.log; POSIX: empty (systemd keeps stderr in the journal).
  std::string service_log;
};

// Computed once per process.
const AgentPaths& DefaultAgentPaths();

// The installed Platform Server's version as its installer records it ("11.27.0.43234"),
// read on every call (an upgrade changes it under a running agent). Windows: the "Server"
// value of HKLM\SOFTWARE\OutSystems\Installer\Server, empty when absent. POSIX: empty.
std::string PlatformServerVersion();

}  // namespace osfleet::platform
