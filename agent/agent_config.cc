#include "agent/agent_config.h"

#include "absl/strings/str_cat.h"
#include "common/address.h"
#include "common/host_port.h"
#include "common/role.h"
#include "common/yaml_util.h"

namespace osfleet::agent {
namespace {

constexpr int64_t kMaxBackupsLimit = 10000;

#define OSFLEET_ASSIGN_STRING(field, key)                     \
  if (const YAML::Node n = root[key]) {                       \
    absl::StatusOr<std::string> v = YamlString(path, n, key); \
    if (!v.ok()) return v.status();                           \
    field = *v;                                               \
  }

absl::Status LoadTls(const std::string& path, const YAML::Node& tls, TlsFiles& out) {
  if (absl::Status s = YamlCheckKeys(path, tls, "tls", {"cert", "key", "ca"}); !s.ok()) return s;
  const YAML::Node& root = tls;
  OSFLEET_ASSIGN_STRING(out.cert, "cert");
  OSFLEET_ASSIGN_STRING(out.key, "key");
  OSFLEET_ASSIGN_STRING(out.ca, "ca");
  return absl::OkStatus();
}

absl::Status LoadNumbers(const std::string& path, const YAML::Node& root, AgentConfig& c) {
  if (const YAML::Node n = root["max_backups"]) {
    absl::StatusOr<int64_t> v = YamlInt(path, n, "max_backups");
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > kMaxBackupsLimit) {
      return absl::InvalidArgumentError(absl::StrCat(YamlWhere(path, n), "max_backups: ", *v,
                                                     " is not in 1..", kMaxBackupsLimit));
    }
    c.max_backups = static_cast<int>(*v);
  }
  if (const YAML::Node n = root["insecure"]) {
    absl::StatusOr<bool> v = YamlBool(path, n, "insecure");
    if (!v.ok()) return v.status();
    c.insecure = *v;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  absl::StatusOr<YAML::Node> loaded = LoadYamlFile(path);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node& root = *loaded;
  if (absl::Status s = YamlCheckKeys(path, root, "config",
                                     {"name", "role", "listen", "port_file", "hsconf", "state_dir",
                                      "tls", "insecure", "log_level", "max_backups"});
      !s.ok()) {
    return s;
  }
  AgentConfig c;
  OSFLEET_ASSIGN_STRING(c.name, "name");
  OSFLEET_ASSIGN_STRING(c.listen, "listen");
  OSFLEET_ASSIGN_STRING(c.port_file, "port_file");
  OSFLEET_ASSIGN_STRING(c.hsconf_path, "hsconf");
  OSFLEET_ASSIGN_STRING(c.state_dir, "state_dir");
  OSFLEET_ASSIGN_STRING(c.log_level, "log_level");
  if (const YAML::Node n = root["role"]) {
    absl::StatusOr<std::string> v = YamlString(path, n, "role");
    if (!v.ok()) return v.status();
    absl::StatusOr<v1::ServerRole> role = ParseRole(*v);
    if (!role.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(YamlWhere(path, n), role.status().message()));
    }
    c.role = *role;
  }
  if (const YAML::Node n = root["tls"]) {
    if (absl::Status s = LoadTls(path, n, c.tls); !s.ok()) return s;
  }
  if (absl::Status s = LoadNumbers(path, root, c); !s.ok()) return s;
  return c;
}

#undef OSFLEET_ASSIGN_STRING

absl::Status ValidateAgentConfig(const AgentConfig& c) {
  if (c.role == v1::SERVER_ROLE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "role: not set; give --role deployment_controller|front_end or `role:` in the config");
  }
  absl::StatusOr<HostPort> listen = ParseHostPort(c.listen, "--listen");
  if (!listen.ok()) return listen.status();
  if (!listen->port.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", c.listen, "' has no port (use HOST:PORT; port 0 = any)"));
  }
  if (c.hsconf_path.empty()) return absl::InvalidArgumentError("--hsconf: not set");
  if (c.state_dir.empty()) return absl::InvalidArgumentError("--state-dir: not set");
  if (c.max_backups < 1) return absl::InvalidArgumentError("max_backups: must be at least 1");
  if (c.insecure) {
    if (!IsLoopbackHost(listen->host)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--insecure: plaintext is allowed only on a loopback address, not on '",
                       c.listen, "'; configure --tls-cert/--tls-key/--tls-ca"));
    }
    return absl::OkStatus();
  }
  if (c.tls.cert.empty() || c.tls.key.empty()) {
    return absl::InvalidArgumentError(
        "TLS: --tls-cert and --tls-key are required (or --insecure on a loopback address)");
  }
  return absl::OkStatus();
}

}  // namespace osfleet::agent
