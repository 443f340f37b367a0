// The `services:` section of the agent config: the OutSystems services the agent stops
// and starts, in start order.
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
//   min_healthy: 2s       # a top-level key beside it (agent_config.cc): how long restarted
//                         # services must stay up
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "agent/outsystems_services/service_backend.h"

namespace osfleet::agent {

// INVALID_ARGUMENT "FILE:LINE: ..." on any problem (unknown keys and backends, missing
// command, duplicate names, bad durations).
absl::StatusOr<std::vector<ServiceConfig>> LoadServices(const std::string& file,
                                                        const YAML::Node& list);

}  // namespace osfleet::agent
