#include "agent/probe/probe_section.h"

#include "common/text/yaml_readers.h"
#include "common/text/yaml_util.h"

namespace osfleet::agent {

absl::StatusOr<ProbeOptions> LoadProbeOptions(const std::string& file, const YAML::Node& map) {
  if (absl::Status s = YamlCheckKeys(file, map, "probe", {"timeout", "sql_browser_port"});
      !s.ok()) {
    return s;
  }
  ProbeOptions options;
  if (map["timeout"]) {
    absl::StatusOr<absl::Duration> d = LoadDuration(file, map["timeout"], "timeout");
    if (!d.ok()) return d.status();
    options.timeout = *d;
  }
  if (map["sql_browser_port"]) {
    absl::StatusOr<int64_t> p = YamlInt(file, map["sql_browser_port"], "sql_browser_port");
    if (!p.ok()) return p.status();
    if (*p < 1 || *p > 65535) {
      return YamlError(file, map["sql_browser_port"], "sql_browser_port: 1..65535");
    }
    options.sql_browser_port = static_cast<uint16_t>(*p);
  }
  return options;
}

}  // namespace osfleet::agent
