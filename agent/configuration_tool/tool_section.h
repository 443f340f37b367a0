// The `configuration_tool:` section of the agent config: how the agent runs the
// OutSystems Configuration Tool's command line after every change of server.hsconf (the
// administrator's "Apply and Exit"), reverts included.
//
//   configuration_tool:
//     command: ['C:\Program Files\OutSystems\Platform Server\ConfigurationTool.com']
//     apply: [/UpgradeInstall]         # the switches run after every change
//     apply_settings: [/ApplySettingsFactory]   # the Service Center phase's Apply Settings
//     timeout: 30m
//     log_file: 'C:\Windows\Temp\ConfigurationTool.log'   # its new lines are reported
//
// On Windows every key has that default (`configuration_tool: {}` is enough); elsewhere
// `command` is required. An argument may hold placeholders, ${name}, filled from the
// credentials osctl sends with one change (`--db-admin-credentials`), e.g.
//   apply: [/SetupInstall, '${db_admin_user}', '${db_admin_password}',
//           '${db_admin_user}', '${db_admin_password}',
//           /RebuildSession, '${db_admin_user}', '${db_admin_password}']
// and, with integrated (Windows) authentication, the Service Center phase's Apply Settings
// step (its credentials come with the phase: osctl sc run / rollout --db-admin-credentials):
//   apply_settings: [/ApplySettingsFactory, /WithWindowsAuthentication,
//                    '${windows_auth_password}']
#pragma once

#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct ConfigurationToolConfig {
  std::vector<std::string> command;  // argv; argv[0] an absolute path
  std::vector<std::string> apply = {"/UpgradeInstall"};
  // What the Service Center phase's Apply Settings step runs (on the Deployment Controller).
  std::vector<std::string> apply_settings = {"/ApplySettingsFactory"};
  absl::Duration timeout = absl::Minutes(30);
  std::string log_file;  // empty: no log tail
};

// The defaults of this OS: on Windows the Platform Server folder's ConfigurationTool.com
// and C:\Windows\Temp\ConfigurationTool.log; elsewhere no command, no log.
ConfigurationToolConfig DefaultConfigurationTool();

// INVALID_ARGUMENT "FILE:LINE: ..." for unknown keys, a missing or relative command, an
// empty apply or apply_settings list, a malformed placeholder, a bad timeout.
absl::StatusOr<ConfigurationToolConfig> LoadConfigurationTool(const std::string& file,
                                                              const YAML::Node& node);

// The placeholder names in `args` (${name}); INVALID_ARGUMENT for a "${" without a valid
// name and "}" (names: letters, digits, '_').
absl::StatusOr<std::set<std::string>> PlaceholderNames(const std::vector<std::string>& args);

}  // namespace osfleet::agent
