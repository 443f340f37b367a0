#include "agent/outsystems_services/services_section.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/text/yaml_readers.h"
#include "common/text/yaml_util.h"

namespace osfleet::agent {
namespace {

absl::StatusOr<BackendKind> ParseBackend(const std::string& file, const YAML::Node& node) {
  absl::StatusOr<std::string> v = YamlString(file, node, "backend");
  if (!v.ok()) return v.status();
  if (*v == "process") return BackendKind::kProcess;
  if (*v == "command") return BackendKind::kCommand;
  if (*v == "windows") return BackendKind::kWindows;
  return YamlError(file, node,
                   absl::StrCat("backend: '", *v, "' is not process, command or windows"));
}

absl::Status LoadReady(const std::string& file, const YAML::Node& node, ReadinessCheck& out) {
  if (absl::Status s = YamlCheckKeys(file, node, "ready", {"tcp_port", "stays_up_ms"}); !s.ok()) {
    return s;
  }
  if (node["tcp_port"]) {
    absl::StatusOr<int64_t> port = YamlInt(file, node["tcp_port"], "tcp_port");
    if (!port.ok()) return port.status();
    if (*port < 1 || *port > 65535) return YamlError(file, node["tcp_port"], "tcp_port: 1..65535");
    out.tcp_port = static_cast<int>(*port);
  }
  if (node["stays_up_ms"]) {
    absl::StatusOr<int64_t> ms = YamlInt(file, node["stays_up_ms"], "stays_up_ms");
    if (!ms.ok()) return ms.status();
    if (*ms < 1 || *ms > 3600000) {
      return YamlError(file, node["stays_up_ms"], "stays_up_ms: 1..3600000");
    }
    out.stays_up = absl::Milliseconds(*ms);
  }
  return absl::OkStatus();
}

absl::Status LoadProcess(const std::string& file, const YAML::Node& node, ServiceConfig& c) {
  absl::StatusOr<std::vector<std::string>> argv =
      LoadCommandLine(file, node, "a process service needs `command: [program, args...]`");
  if (!argv.ok()) return argv.status();
  c.command = *std::move(argv);
  absl::StatusOr<std::map<std::string, std::string>> env = LoadEnv(file, node);
  if (!env.ok()) return env.status();
  c.env = *std::move(env);
  if (node["working_dir"]) {
    absl::StatusOr<std::string> v = YamlString(file, node["working_dir"], "working_dir");
    if (!v.ok()) return v.status();
    c.working_dir = *v;
  }
  if (node["ready"]) return LoadReady(file, node["ready"], c.ready);
  return absl::OkStatus();
}

absl::Status LoadCommand(const std::string& file, const YAML::Node& node, ServiceConfig& c) {
  for (auto [key, field] : {std::pair{"start", &c.start_command},
                            {"stop", &c.stop_command},
                            {"status", &c.status_command}}) {
    if (!node[key]) {
      return YamlError(file, node, absl::StrCat("a command service needs '", key, "'"));
    }
    absl::StatusOr<std::string> v = YamlString(file, node[key], key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  return absl::OkStatus();
}

absl::Status LoadTimeouts(const std::string& file, const YAML::Node& node, ServiceConfig& c) {
  for (auto [key, field] :
       {std::pair{"start_timeout", &c.start_timeout}, {"stop_timeout", &c.stop_timeout}}) {
    if (!node[key]) continue;
    absl::StatusOr<absl::Duration> d = LoadDuration(file, node[key], key);
    if (!d.ok()) return d.status();
    *field = *d;
  }
  return absl::OkStatus();
}

absl::StatusOr<ServiceConfig> LoadService(const std::string& file, const YAML::Node& node) {
  if (absl::Status s = YamlCheckKeys(file, node, "service",
                                     {"name", "backend", "command", "env", "working_dir", "ready",
                                      "start_timeout", "stop_timeout", "start", "stop", "status"});
      !s.ok()) {
    return s;
  }
  ServiceConfig c;
  if (!node["name"] || !node["backend"]) {
    return YamlError(file, node, "service: needs name and backend");
  }
  absl::StatusOr<std::string> name = YamlString(file, node["name"], "name");
  if (!name.ok()) return name.status();
  if (name->empty()) return YamlError(file, node["name"], "name: empty");
  c.name = *name;
  absl::StatusOr<BackendKind> backend = ParseBackend(file, node["backend"]);
  if (!backend.ok()) return backend.status();
  c.backend = *backend;
  if (absl::Status s = LoadTimeouts(file, node, c); !s.ok()) return s;
  if (c.backend == BackendKind::kProcess) {
    if (absl::Status s = LoadProcess(file, node, c); !s.ok()) return s;
  } else if (c.backend == BackendKind::kCommand) {
    if (absl::Status s = LoadCommand(file, node, c); !s.ok()) return s;
  }
  return c;
}

}  // namespace

absl::StatusOr<std::vector<ServiceConfig>> LoadServices(const std::string& file,
                                                        const YAML::Node& list) {
  if (!list.IsSequence()) return YamlError(file, list, "services: expected a list of services");
  std::vector<ServiceConfig> out;
  std::set<std::string> names;
  for (const YAML::Node& node : list) {
    absl::StatusOr<ServiceConfig> c = LoadService(file, node);
    if (!c.ok()) return c.status();
    if (!names.insert(c->name).second) {
      return YamlError(file, node, absl::StrCat("service '", c->name, "' appears twice"));
    }
    out.push_back(*std::move(c));
  }
  return out;
}

}  // namespace osfleet::agent
