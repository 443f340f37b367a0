// The `services:` and `probe:` sections of the agent config.
//
//   services:
//     - name: OutSystems Deployment Service
//       backend: process                  # process | command | windows
//       command: [/opt/os/deployment, --port, "12001"]
//       env: {ASPNET_ENV: Production}
//       working_dir: /opt/os
//       ready: {tcp_port: 12001}          # or {stays_up_ms: 500}
//       start_timeout: 30s
//       stop_timeout: 30s
//     - name: OutSystems Scheduler Service
//       backend: command
//       start: systemctl start os-scheduler
//       stop: systemctl stop os-scheduler
//       status: systemctl is-active --quiet os-scheduler || exit 3
//   min_healthy: 2s
//   probe: {timeout: 3s, sql_browser_port: 1434}
#pragma once

#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "agent/probe/probe.h"
#include "agent/os_services/service_backend.h"

namespace osfleet::agent {

// INVALID_ARGUMENT "FILE:LINE: ..." on any problem (unknown keys and backends, missing
// command, duplicate names, bad durations).
absl::StatusOr<std::vector<ServiceConfig>> LoadServices(const std::string& file,
                                                        const YAML::Node& list);
absl::StatusOr<ProbeOptions> LoadProbeOptions(const std::string& file, const YAML::Node& map);
// `command: [program, args...]` of node: a non-empty list whose first item is an absolute
// path. `missing` completes the error when the key is absent.
absl::StatusOr<std::vector<std::string>> LoadCommandLine(const std::string& file,
                                                         const YAML::Node& node,
                                                         absl::string_view missing);
// `env: {NAME: value}` of node; empty when absent.
absl::StatusOr<std::map<std::string, std::string>> LoadEnv(const std::string& file,
                                                           const YAML::Node& node);
// A duration value ("2s", "500ms") of key `key`.
absl::StatusOr<absl::Duration> LoadDuration(const std::string& file, const YAML::Node& node,
                                            absl::string_view key);

}  // namespace osfleet::agent
