#include "agent/service_center/sc_config.h"

#include "absl/strings/str_cat.h"
#include "agent/os_services/service_config.h"
#include "common/yaml_util.h"

namespace osfleet::agent {
namespace {

absl::Status LoadHttp(const std::string& file, const YAML::Node& node, HttpDriverConfig& c) {
  for (auto [key, field, required] : {std::tuple{"url", &c.url, true},
                                      {"user", &c.user, true},
                                      {"password_hash_file", &c.password_hash_file, true},
                                      {"staging_name", &c.staging_name, false},
                                      {"ca_file", &c.ca_file, false}}) {
    if (!node[key]) {
      if (required)
        return YamlError(file, node, absl::StrCat("service_center: missing '", key, "'"));
      continue;
    }
    absl::StatusOr<std::string> v = YamlString(file, node[key], key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  if (node["insecure_skip_verify"]) {
    absl::StatusOr<bool> v = YamlBool(file, node["insecure_skip_verify"], "insecure_skip_verify");
    if (!v.ok()) return v.status();
    c.insecure_skip_verify = *v;
  }
  for (auto [key, field] :
       {std::pair{"request_timeout", &c.request_timeout}, {"poll_interval", &c.poll_interval}}) {
    if (!node[key]) continue;
    absl::StatusOr<absl::Duration> d = LoadDuration(file, node[key], key);
    if (!d.ok()) return d.status();
    *field = *d;
  }
  return absl::OkStatus();
}

absl::Status LoadCommand(const std::string& file, const YAML::Node& node, CommandDriverConfig& c) {
  absl::StatusOr<std::vector<std::string>> argv =
      LoadCommandLine(file, node, "the command driver needs `command: [program, args...]`");
  if (!argv.ok()) return argv.status();
  c.command = *std::move(argv);
  absl::StatusOr<std::map<std::string, std::string>> env = LoadEnv(file, node);
  if (!env.ok()) return env.status();
  c.env = *std::move(env);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServiceCenterSection> LoadServiceCenter(const std::string& file,
                                                       const YAML::Node& node) {
  if (absl::Status s = YamlCheckKeys(file, node, "service_center",
                                     {"driver", "url", "user", "password_hash_file", "staging_name",
                                      "ca_file", "insecure_skip_verify", "request_timeout",
                                      "poll_interval", "deadline", "command", "env"});
      !s.ok()) {
    return s;
  }
  ServiceCenterSection out;
  std::string driver = "http";
  if (node["driver"]) {
    absl::StatusOr<std::string> v = YamlString(file, node["driver"], "driver");
    if (!v.ok()) return v.status();
    driver = *v;
  }
  if (node["deadline"]) {
    absl::StatusOr<absl::Duration> d = LoadDuration(file, node["deadline"], "deadline");
    if (!d.ok()) return d.status();
    out.deadline = *d;
  }
  if (driver == "http") {
    out.config.driver = ServiceCenterConfig::Driver::kHttp;
    if (absl::Status s = LoadHttp(file, node, out.config.http); !s.ok()) return s;
  } else if (driver == "command") {
    out.config.driver = ServiceCenterConfig::Driver::kCommand;
    if (absl::Status s = LoadCommand(file, node, out.config.command); !s.ok()) return s;
  } else {
    return YamlError(file, node["driver"],
                     absl::StrCat("driver: '", driver, "' is not http or command"));
  }
  return out;
}

}  // namespace osfleet::agent
