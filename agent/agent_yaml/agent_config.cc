#include "agent/agent_yaml/agent_config.h"

#include "absl/strings/str_cat.h"
#include "agent/outsystems_services/services_section.h"
#include "agent/probe/probe_section.h"
#include "common/api/request_limits.h"
#include "common/api/role.h"
#include "common/model/address.h"
#include "common/model/host_port.h"
#include "common/text/yaml_readers.h"
#include "common/text/yaml_util.h"

namespace osfleet::agent {
namespace {

constexpr int64_t kMaxBackupsLimit = 10000;
constexpr int64_t kMaxConcurrentCallsLimit = 10000;

// Copies the string value of each present key of `map` into its field.
absl::Status LoadStrings(const std::string& path, const YAML::Node& map,
                         std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (auto [key, field] : fields) {
    if (const YAML::Node n = map[key]) {
      absl::StatusOr<std::string> v = YamlString(path, n, key);
      if (!v.ok()) return v.status();
      *field = *v;
    }
  }
  return absl::OkStatus();
}

absl::Status LoadTls(const std::string& path, const YAML::Node& tls, TlsFiles& out,
                     std::string& crl) {
  if (absl::Status s = YamlCheckKeys(path, tls, "tls", {"cert", "key", "ca", "crl"}); !s.ok()) {
    return s;
  }
  return LoadStrings(path, tls,
                     {{"cert", &out.cert}, {"key", &out.key}, {"ca", &out.ca}, {"crl", &crl}});
}

absl::Status LoadNumbers(const std::string& path, const YAML::Node& root, AgentConfig& c) {
  if (const YAML::Node n = root["max_backups"]) {
    absl::StatusOr<int64_t> v = YamlInt(path, n, "max_backups");
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > kMaxBackupsLimit) {
      return YamlError(path, n,
                       absl::StrCat("max_backups: ", *v, " is not in 1..", kMaxBackupsLimit));
    }
    c.max_backups = static_cast<int>(*v);
  }
  if (const YAML::Node n = root["max_concurrent_calls"]) {
    absl::StatusOr<int64_t> v = YamlInt(path, n, "max_concurrent_calls");
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > kMaxConcurrentCallsLimit) {
      return YamlError(
          path, n,
          absl::StrCat("max_concurrent_calls: ", *v, " is not in 1..", kMaxConcurrentCallsLimit));
    }
    c.max_concurrent_calls = static_cast<int>(*v);
  }
  for (auto [key, field] :
       {std::pair{"insecure", &c.insecure}, {"start_services", &c.start_services}}) {
    if (const YAML::Node n = root[key]) {
      absl::StatusOr<bool> v = YamlBool(path, n, key);
      if (!v.ok()) return v.status();
      *field = *v;
    }
  }
  return absl::OkStatus();
}

// A top-level key, read between services: and the sections after it as it always was (the
// first mistake in a file is the one reported).
absl::Status LoadMinHealthy(const std::string& path, const YAML::Node& root, AgentConfig& c) {
  if (const YAML::Node n = root["min_healthy"]) {
    absl::StatusOr<absl::Duration> d = LoadDuration(path, n, "min_healthy");
    if (!d.ok()) return d.status();
    if (absl::Status s = CheckDuration(absl::StrCat(path, ": min_healthy"), *d, kMinHealthyBounds);
        !s.ok()) {
      return s;
    }
    c.min_healthy = *d;
  }
  return absl::OkStatus();
}

// Each section to its reader, beside the code it configures: services (outsystems_services/),
// service_center (service_center/), configuration_tool (configuration_tool/), probe (probe/).
absl::Status LoadSections(const std::string& path, const YAML::Node& root, AgentConfig& c) {
  if (const YAML::Node n = root["services"]) {
    absl::StatusOr<std::vector<ServiceConfig>> services = LoadServices(path, n);
    if (!services.ok()) return services.status();
    c.services = *std::move(services);
  }
  if (absl::Status s = LoadMinHealthy(path, root, c); !s.ok()) return s;
  if (const YAML::Node n = root["service_center"]) {
    absl::StatusOr<ServiceCenterSection> sc = LoadServiceCenter(path, n);
    if (!sc.ok()) return sc.status();
    c.service_center = *std::move(sc);
  }
  if (const YAML::Node n = root["configuration_tool"]) {
    absl::StatusOr<ConfigurationToolConfig> tool = LoadConfigurationTool(path, n);
    if (!tool.ok()) return tool.status();
    c.configuration_tool = *std::move(tool);
  }
  if (const YAML::Node n = root["probe"]) {
    absl::StatusOr<ProbeOptions> probe = LoadProbeOptions(path, n);
    if (!probe.ok()) return probe.status();
    c.probe = *probe;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  absl::StatusOr<YAML::Node> loaded = LoadYamlFile(path);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node& root = *loaded;
  if (absl::Status s =
          YamlCheckKeys(path, root, "config",
                        {"name", "role", "listen", "port_file", "hsconf", "state_dir", "tls",
                         "insecure", "log_level", "log_file", "max_backups", "services",
                         "min_healthy", "probe", "start_services", "service_center",
                         "configuration_tool", "audit_log", "max_concurrent_calls"});
      !s.ok()) {
    return s;
  }
  AgentConfig c;
  if (absl::Status s = LoadStrings(path, root,
                                   {{"name", &c.name},
                                    {"listen", &c.listen},
                                    {"port_file", &c.port_file},
                                    {"hsconf", &c.hsconf_path},
                                    {"state_dir", &c.state_dir},
                                    {"audit_log", &c.audit_log},
                                    {"log_level", &c.log_level},
                                    {"log_file", &c.log_file}});
      !s.ok()) {
    return s;
  }
  if (const YAML::Node n = root["role"]) {
    absl::StatusOr<std::string> v = YamlString(path, n, "role");
    if (!v.ok()) return v.status();
    absl::StatusOr<v1::ServerRole> role = ParseRole(*v);
    if (!role.ok()) {
      return YamlError(path, n, role.status().message());
    }
    c.role = *role;
  }
  if (const YAML::Node n = root["tls"]) {
    if (absl::Status s = LoadTls(path, n, c.tls, c.tls_crl); !s.ok()) return s;
  }
  if (absl::Status s = LoadNumbers(path, root, c); !s.ok()) return s;
  if (absl::Status s = LoadSections(path, root, c); !s.ok()) return s;
  return c;
}

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
  if (c.max_concurrent_calls < 1 || c.max_concurrent_calls > kMaxConcurrentCallsLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_concurrent_calls: must be in 1..", kMaxConcurrentCallsLimit));
  }
  if (c.service_center.has_value() && !c.configuration_tool.has_value() &&
      c.service_center->config.apply_settings == ApplySettings::kConfigurationTool) {
    return absl::InvalidArgumentError(absl::StrCat(
        c.service_center->config.apply_settings_where,
        "apply_settings: configuration_tool needs the agent's configuration_tool: section; add "
        "one, or set apply_settings: republish"));
  }
  if (!c.tls_crl.empty() && (c.insecure || c.tls.ca.empty())) {
    return absl::InvalidArgumentError(
        "tls.crl: revocation needs client certificates; set tls.ca (--tls-ca) too");
  }
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
