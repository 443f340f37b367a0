// The `probe:` section of the agent config: how the agent probes a database address.
//
//   probe: {timeout: 3s, sql_browser_port: 1434}
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "agent/probe/probe.h"

namespace osfleet::agent {

// INVALID_ARGUMENT "FILE:LINE: ..." for unknown keys, a bad timeout, a port out of 1..65535.
absl::StatusOr<ProbeOptions> LoadProbeOptions(const std::string& file, const YAML::Node& map);

}  // namespace osfleet::agent
