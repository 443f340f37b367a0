#include "agent/service_center/sc_section.h"

#include "absl/strings/str_cat.h"
#include "agent/service_center/http_driver.h"
#include "common/text/yaml_readers.h"
#include "common/text/yaml_util.h"

namespace osfleet::agent {
namespace {

constexpr char kPasswordKey[] = "password_encrypted_file";
constexpr char kPasswordAlias[] = "password_hash_file";  // its old name: still read

// password_encrypted_file, or its old name; not both.
absl::Status LoadPasswordFile(const std::string& file, const YAML::Node& node,
                              HttpDriverConfig& c) {
  const YAML::Node current = node[kPasswordKey], alias = node[kPasswordAlias];
  if (current && alias) {
    return YamlError(file, alias,
                     absl::StrCat("service_center: ", kPasswordKey, " and ", kPasswordAlias,
                                  " (its old name) are both set; keep ", kPasswordKey));
  }
  if (!current && !alias) {
    return YamlError(file, node, absl::StrCat("service_center: missing '", kPasswordKey, "'"));
  }
  absl::StatusOr<std::string> v =
      YamlString(file, current ? current : alias, current ? kPasswordKey : kPasswordAlias);
  if (!v.ok()) return v.status();
  c.password_encrypted_file = *v;
  return absl::OkStatus();
}

// max_answer_mib, max_modules, max_publish_mib: whole numbers from 1 to `most` (beyond,
// the agent itself would be at risk: an answer is held in memory, parsed, then listed).
absl::Status LoadCaps(const std::string& file, const YAML::Node& node, HttpDriverConfig& c) {
  for (auto [key, field, most] : {std::tuple{"max_answer_mib", &c.max_answer_mib, int64_t{1024}},
                                  {"max_modules", &c.max_modules, int64_t{1000000}},
                                  {"max_publish_mib", &c.max_publish_mib, int64_t{1024}}}) {
    if (!node[key]) continue;
    absl::StatusOr<int64_t> v = YamlInt(file, node[key], key);
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > most) {
      return YamlError(file, node[key],
                       absl::StrCat("service_center: ", key, ": ", *v, " is not from 1 to ", most));
    }
    *field = *v;
  }
  return absl::OkStatus();
}

absl::Status LoadHttp(const std::string& file, const YAML::Node& node, HttpDriverConfig& c) {
  if (absl::Status s = LoadPasswordFile(file, node, c); !s.ok()) return s;
  for (auto [key, field, required] : {std::tuple{"url", &c.url, true},
                                      {"user", &c.user, true},
                                      {"staging_name", &c.staging_name, false},
                                      {"ca_file", &c.ca_file, false}}) {
    if (!node[key]) {
      if (required) {
        return YamlError(file, node, absl::StrCat("service_center: missing '", key, "'"));
      }
      continue;
    }
    absl::StatusOr<std::string> v = YamlString(file, node[key], key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  if (const YAML::Node n = node["wsdl_file"]) {
    absl::StatusOr<std::string> v = YamlString(file, n, "wsdl_file");
    if (!v.ok()) return v.status();
    // Read now too, so that a copy that is missing or does not fit stops the agent at
    // start with the line, not the rollout at its last phase.
    if (absl::StatusOr<sc_wire::Wire> wire = WireFromFile(*v); !wire.ok()) {
      return YamlError(file, n, absl::StrCat("service_center: ", wire.status().message()));
    }
    c.wsdl_file = *v;
  }
  if (node["insecure_skip_verify"]) {
    absl::StatusOr<bool> v = YamlBool(file, node["insecure_skip_verify"], "insecure_skip_verify");
    if (!v.ok()) return v.status();
    c.insecure_skip_verify = *v;
  }
  if (absl::Status s = LoadCaps(file, node, c); !s.ok()) return s;
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

// apply_settings: configuration_tool | republish; republish: outdated | all | none. Their
// defaults depend on the agent's configuration_tool: section (MakePhaseDriver).
absl::Status LoadPolicy(const std::string& file, const YAML::Node& node, ServiceCenterConfig& c) {
  if (const YAML::Node n = node["apply_settings"]) {
    absl::StatusOr<std::string> v = YamlString(file, n, "apply_settings");
    if (!v.ok()) return v.status();
    if (*v == "configuration_tool") {
      c.apply_settings = ApplySettings::kConfigurationTool;
    } else if (*v == "republish") {
      c.apply_settings = ApplySettings::kRepublish;
    } else {
      return YamlError(file, n,
                       absl::StrCat("service_center: apply_settings: '", *v,
                                    "' is not configuration_tool or republish"));
    }
    c.apply_settings_where = YamlWhere(file, n);
  }
  if (const YAML::Node n = node["republish"]) {
    absl::StatusOr<std::string> v = YamlString(file, n, "republish");
    if (!v.ok()) return v.status();
    if (*v == "outdated") {
      c.republish = Republish::kOutdated;
    } else if (*v == "all") {
      c.republish = Republish::kAll;
    } else if (*v == "none") {
      c.republish = Republish::kNone;
    } else {
      return YamlError(
          file, n,
          absl::StrCat("service_center: republish: '", *v, "' is not outdated, all or none"));
    }
    c.republish_where = YamlWhere(file, n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServiceCenterSection> LoadServiceCenter(const std::string& file,
                                                       const YAML::Node& node) {
  if (absl::Status s =
          YamlCheckKeys(file, node, "service_center",
                        {"driver", "url", "user", kPasswordKey, kPasswordAlias, "staging_name",
                         "ca_file", "insecure_skip_verify", "request_timeout", "poll_interval",
                         "wsdl_file", "deadline", "apply_settings", "republish", "command", "env",
                         "max_answer_mib", "max_modules", "max_publish_mib"});
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
    if (absl::Status s = LoadPolicy(file, node, out.config); !s.ok()) return s;
  } else if (driver == "command") {
    out.config.driver = ServiceCenterConfig::Driver::kCommand;
    if (node["wsdl_file"]) {
      return YamlError(file, node["wsdl_file"],
                       "service_center: wsdl_file is for driver: http (the command driver's "
                       "script calls Service Center its own way)");
    }
    for (const char* key :
         {"apply_settings", "republish", "max_answer_mib", "max_modules", "max_publish_mib"}) {
      if (node[key]) {
        return YamlError(file, node[key],
                         absl::StrCat("service_center: ", key,
                                      " is for driver: http (the command driver's script "
                                      "decides what it applies and republishes)"));
      }
    }
    if (absl::Status s = LoadCommand(file, node, out.config.command); !s.ok()) return s;
  } else {
    return YamlError(file, node["driver"],
                     absl::StrCat("driver: '", driver, "' is not http or command"));
  }
  return out;
}

}  // namespace osfleet::agent
