// osagent's configuration: a YAML file (--config) whose keys the command-line flags
// override. Validated as a whole before the agent starts.
#pragma once

#include <string>

#include <vector>

#include <optional>
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "agent/configuration_tool/tool_section.h"
#include "agent/outsystems_services/service_backend.h"
#include "agent/probe/probe.h"
#include "agent/service_center/sc_section.h"
#include "common/api/tls_files.h"
#include "common/platform/default_paths.h"
#include "osfleet/v1/types.pb.h"

namespace osfleet::agent {

struct AgentConfig {
  std::string name;  // the inventory name; defaults to the hostname
  osfleet::v1::ServerRole role = osfleet::v1::SERVER_ROLE_UNSPECIFIED;
  std::string listen = "0.0.0.0:7443";
  std::string port_file;  // written with the bound port once serving
  // Windows: the Platform Server folder's, state under %ProgramData%\osfleet
  // (platform/default_paths.h).
  std::string hsconf_path = platform::DefaultAgentPaths().hsconf;
  std::string state_dir = platform::DefaultAgentPaths().state_dir;
  TlsFiles tls;
  // tls.crl: a PEM file of X509 CRLs signed by a CA of tls.ca; client certificates it lists
  // are refused. Re-read every second (no restart needed). Empty: no revocation checks.
  std::string tls_crl;
  bool insecure = false;  // plaintext; refused unless `listen` is loopback
  std::string log_level = "info";
  // Log records go to this file (rotated at 10 MiB) instead of stderr. Empty: stderr, or
  // for the Windows service %ProgramData%\osfleet\logs\osagent.log.
  std::string log_file;
  int max_backups = 20;
  int worker_threads = 2;
  // The audit log (one JSON line per mutating call); empty: STATE_DIR/audit.log.
  std::string audit_log;
  // Calls in progress at once, over all clients; more get RESOURCE_EXHAUSTED.
  int max_concurrent_calls = 64;
  // The OutSystems services, in start order (stop runs in reverse).
  std::vector<ServiceConfig> services;
  // How long restarted services must stay up before a restart counts as healthy.
  absl::Duration min_healthy = absl::Seconds(2);
  // Start every service when the agent starts (for `process` services the agent
  // supervises; OS-managed services are usually started by the OS).
  bool start_services = false;
  ProbeOptions probe;
  // Set when the agent runs the Configuration Tool after every change of server.hsconf
  // (and, on the Deployment Controller, /ApplySettingsFactory in the Service Center phase).
  std::optional<ConfigurationToolConfig> configuration_tool;
  // Set on the Deployment Controller: how to run the Service Center phase.
  std::optional<ServiceCenterSection> service_center;
};

// Reads a YAML config file. INVALID_ARGUMENT names the file, line and key on any error;
// unknown keys are errors too (a typo must not silently fall back to a default).
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);

// Checks a complete config (after flags were applied): role, listen address, TLS files
// present, insecure only on loopback, max_backups >= 1.
absl::Status ValidateAgentConfig(const AgentConfig& config);

}  // namespace osfleet::agent
