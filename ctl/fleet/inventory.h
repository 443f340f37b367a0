// The fleet inventory: a YAML file listing every application server of the farm.
//
//   defaults:
//     port: 7443
//     tls: {ca: pki/ca.pem, cert: pki/operator.pem, key: pki/operator.key}
//   servers:
//     - name: dc01
//       address: 10.0.0.5          # host[:port]
//       role: deployment_controller
//       labels: {site: lisbon}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/tls_files.h"
#include "common/model/host_port.h"
#include "osfleet/v1/types.pb.h"

namespace osfleet::ctl {

inline constexpr uint32_t kDefaultAgentPort = 7443;

struct Server {
  std::string name;
  HostPort address;  // port filled from defaults when the entry had none
  v1::ServerRole role = v1::SERVER_ROLE_UNSPECIFIED;
  std::map<std::string, std::string> labels;

  std::string Target() const { return address.ToString(kDefaultAgentPort); }
};

struct Inventory {
  std::string path;
  uint32_t default_port = kDefaultAgentPort;
  TlsFiles tls;  // relative paths are resolved against the inventory's folder
  std::vector<Server> servers;
};

// INVALID_ARGUMENT "FILE:LINE: ..." for every problem: YAML syntax, unknown keys, missing
// name/address/role, duplicate names, bad addresses or roles, more than one Deployment
// Controller, an empty server list.
absl::StatusOr<Inventory> LoadInventory(const std::string& path);

}  // namespace osfleet::ctl
