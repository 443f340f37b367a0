// The `service_center:` section of the agent config (Deployment Controller only).
//
//   service_center:
//     driver: http                          # http | command
//     url: https://dc01.corp.example.com/ServiceCenter  # or the bare host
//     user: osfleet-admin
//     password_encrypted_file: /etc/osagent/sc-password.encrypted  # mode 0600: '#' + the
//                                            # platform's encryption of the password
//                                            # (old name, still read: password_hash_file)
//     staging_name: osfleet
//     ca_file: /etc/osagent/pki/service-center-ca.pem
//     insecure_skip_verify: false            # only for a lab; never in production
//     wsdl_file: /etc/osagent/PlatformServices_v8_0_0.wsdl  # optional: a saved copy of
//                                            # …/PlatformServices_v8_0_0.asmx?WSDL, read
//                                            # instead of fetching it
//     request_timeout: 30s
//     poll_interval: 2s
//     deadline: 60m                          # the whole phase
//     apply_settings: configuration_tool     # | republish
//     republish: outdated                    # | all | none
//     max_answer_mib: 32                     # caps, checked before anything is published:
//     max_modules: 20000                     # an answer's size, the modules listed, the
//     max_publish_mib: 8                     # publish request's size
//   # apply_settings defaults to configuration_tool when the agent has a
//   # configuration_tool: section (/ApplySettingsFactory, then republish only the modules
//   # Service Center flags: republish defaults to outdated), else to republish (every
//   # module's running version: republish defaults to all).
//   # or
//   service_center:
//     driver: command
//     command: [/usr/bin/pwsh, -File, /opt/scripts/republish.ps1]
//     env: {SC_HOST: dc01}
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "agent/service_center/phase_driver.h"

namespace osfleet::agent {

struct ServiceCenterSection {
  ServiceCenterConfig config;
  absl::Duration deadline = absl::Minutes(60);
};

// INVALID_ARGUMENT "FILE:LINE: ..." for unknown keys and drivers, missing url/user/
// password_encrypted_file/command, both password_encrypted_file and password_hash_file,
// bad durations, apply_settings / republish values, caps out of their range, and those
// keys with driver: command;
// a wsdl_file that cannot be read or does not describe every operation the phase needs.
// Whether apply_settings: configuration_tool has a Configuration Tool is checked by
// MakePhaseDriver (it names the line).
absl::StatusOr<ServiceCenterSection> LoadServiceCenter(const std::string& file,
                                                       const YAML::Node& node);

}  // namespace osfleet::agent
