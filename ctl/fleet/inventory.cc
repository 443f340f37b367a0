#include "ctl/fleet/inventory.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"

#include "absl/strings/str_cat.h"
#include "common/api/role.h"
#include "common/text/absolute_path.h"
#include "common/text/yaml_util.h"

namespace osfleet::ctl {
namespace {

// A relative path is read against the inventory's folder; an absolute one (the rule of
// common/text/absolute_path.h: a Windows drive or UNC path too, for osctl.exe) as written.
std::string Resolve(const std::string& inventory_path, const std::string& path) {
  if (path.empty() || IsAbsolutePath(path)) return path;
  const size_t slash = inventory_path.rfind('/');
  if (slash == std::string::npos) return path;
  return absl::StrCat(inventory_path.substr(0, slash + 1), path);
}

absl::Status LoadTls(const std::string& file, const YAML::Node& node, TlsFiles& out) {
  if (absl::Status s = YamlCheckKeys(file, node, "defaults.tls", {"ca", "cert", "key"}); !s.ok()) {
    return s;
  }
  for (auto [key, field] : {std::pair{"ca", &out.ca}, {"cert", &out.cert}, {"key", &out.key}}) {
    if (!node[key]) continue;
    absl::StatusOr<std::string> v = YamlString(file, node[key], key);
    if (!v.ok()) return v.status();
    *field = Resolve(file, *v);
  }
  return absl::OkStatus();
}

absl::Status LoadDefaults(const std::string& file, const YAML::Node& node, Inventory& inv) {
  if (absl::Status s = YamlCheckKeys(file, node, "defaults", {"port", "tls"}); !s.ok()) return s;
  if (node["port"]) {
    absl::StatusOr<int64_t> port = YamlInt(file, node["port"], "port");
    if (!port.ok()) return port.status();
    if (*port < 1 || *port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file, node["port"]), "port: must be 1..65535"));
    }
    inv.default_port = static_cast<uint32_t>(*port);
  }
  if (node["tls"]) return LoadTls(file, node["tls"], inv.tls);
  return absl::OkStatus();
}

absl::Status LoadLabels(const std::string& file, const YAML::Node& node, Server& server) {
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file, node), "labels: expected a mapping of key: value"));
  }
  for (const auto& entry : node) {
    absl::StatusOr<std::string> value = YamlString(file, entry.second, entry.first.Scalar());
    if (!value.ok()) return value.status();
    server.labels[entry.first.Scalar()] = *value;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Required(const std::string& file, const YAML::Node& node,
                                     const char* key) {
  if (!node[key]) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file, node), "server: missing '", key, "'"));
  }
  return YamlString(file, node[key], key);
}

// Names are what --limit, certificates and tables use: letters, digits, '.', '_', '-'.
absl::Status CheckName(const std::string& file, const YAML::Node& node, const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 253 && name != "all" &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
                  });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(YamlWhere(file, node), "name: '", name,
                   "' must be 1..253 letters, digits, '.', '_' or '-' (and not 'all')"));
}

absl::StatusOr<Server> LoadServer(const std::string& file, const YAML::Node& node,
                                  uint32_t default_port) {
  if (absl::Status s = YamlCheckKeys(file, node, "server", {"name", "address", "role", "labels"});
      !s.ok()) {
    return s;
  }
  Server server;
  absl::StatusOr<std::string> name = Required(file, node, "name");
  if (!name.ok()) return name.status();
  if (absl::Status s = CheckName(file, node["name"], *name); !s.ok()) return s;
  server.name = *name;
  absl::StatusOr<std::string> address = Required(file, node, "address");
  if (!address.ok()) return address.status();
  absl::StatusOr<HostPort> hp = ParseHostPort(*address, "address");
  if (!hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file, node["address"]), hp.status().message()));
  }
  if (hp->port.has_value() && *hp->port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(YamlWhere(file, node["address"]), "address: '",
                                                   *address, "' has port 0; use 1..65535"));
  }
  server.address = *hp;
  if (!server.address.port.has_value()) server.address.port = default_port;
  absl::StatusOr<std::string> role_text = Required(file, node, "role");
  if (!role_text.ok()) return role_text.status();
  absl::StatusOr<v1::ServerRole> role = ParseRole(*role_text);
  if (!role.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file, node["role"]), role.status().message()));
  }
  server.role = *role;
  if (node["labels"]) {
    if (absl::Status s = LoadLabels(file, node["labels"], server); !s.ok()) return s;
  }
  return server;
}

absl::Status CheckFleet(const std::string& file, const YAML::Node& list, const Inventory& inv) {
  std::set<std::string> names;
  int controllers = 0;
  for (size_t i = 0; i < inv.servers.size(); ++i) {
    const Server& s = inv.servers[i];
    if (!names.insert(s.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(YamlWhere(file, list[i]), "server name '",
                                                     s.name, "' appears more than once"));
    }
    if (s.role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER && ++controllers > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file, list[i]), "'", s.name,
                       "' is a second deployment_controller; a farm has exactly one"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Inventory> LoadInventory(const std::string& path) {
  absl::StatusOr<YAML::Node> root = LoadYamlFile(path);
  if (!root.ok()) return root.status();
  if (absl::Status s = YamlCheckKeys(path, *root, "inventory", {"defaults", "servers"}); !s.ok()) {
    return s;
  }
  Inventory inv;
  inv.path = path;
  if ((*root)["defaults"]) {
    if (absl::Status s = LoadDefaults(path, (*root)["defaults"], inv); !s.ok()) return s;
  }
  const YAML::Node list = (*root)["servers"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": 'servers:' must be a non-empty list of servers"));
  }
  for (const YAML::Node& node : list) {
    absl::StatusOr<Server> server = LoadServer(path, node, inv.default_port);
    if (!server.ok()) return server.status();
    inv.servers.push_back(*std::move(server));
  }
  if (absl::Status s = CheckFleet(path, list, inv); !s.ok()) return s;
  return inv;
}

}  // namespace osfleet::ctl
