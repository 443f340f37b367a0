#include "agent/configuration_tool/tool_section.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/request_limits.h"
#include "common/platform/default_paths.h"
#include "common/text/absolute_path.h"
#include "common/text/yaml_readers.h"
#include "common/text/yaml_util.h"

namespace osfleet::agent {
namespace {

constexpr DurationBounds kToolTimeoutBounds{absl::Seconds(1), absl::Hours(12)};

// The folder part of a Windows or POSIX path, with its separator ("" when none).
std::string FolderOf(const std::string& path) {
  const size_t cut = path.find_last_of("\\/");
  return cut == std::string::npos ? std::string() : path.substr(0, cut + 1);
}

absl::StatusOr<std::vector<std::string>> LoadList(const std::string& file, const YAML::Node& node,
                                                  absl::string_view key) {
  if (!node.IsSequence() || node.size() == 0) {
    return YamlError(file, node, absl::StrCat(key, ": expected a non-empty list of arguments"));
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    absl::StatusOr<std::string> s = YamlString(file, item, key);
    if (!s.ok()) return s.status();
    out.push_back(*s);
  }
  return out;
}

// `key`'s list of switches, when written, into `args`; its placeholders checked.
absl::Status LoadSwitches(const std::string& file, const YAML::Node& node, const char* key,
                          std::vector<std::string>& args) {
  if (const YAML::Node n = node[key]) {
    absl::StatusOr<std::vector<std::string>> list = LoadList(file, n, key);
    if (!list.ok()) return list.status();
    args = *std::move(list);
  }
  if (absl::StatusOr<std::set<std::string>> names = PlaceholderNames(args); !names.ok()) {
    return YamlError(file, node[key],
                     absl::StrCat("configuration_tool.", key, ": ", names.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace

ConfigurationToolConfig DefaultConfigurationTool() {
  ConfigurationToolConfig c;
#ifdef _WIN32
  c.command = {FolderOf(platform::DefaultAgentPaths().hsconf) + "ConfigurationTool.com"};
  c.log_file = "C:\\Windows\\Temp\\ConfigurationTool.log";
#else
  (void)FolderOf;
#endif
  return c;
}

absl::StatusOr<std::set<std::string>> PlaceholderNames(const std::vector<std::string>& args) {
  std::set<std::string> names;
  for (size_t a = 0; a < args.size(); ++a) {
    const std::string& arg = args[a];
    for (size_t at = arg.find("${"); at != std::string::npos; at = arg.find("${", at + 2)) {
      const size_t end = arg.find('}', at + 2);
      std::string name = end == std::string::npos ? "" : arg.substr(at + 2, end - at - 2);
      if (!IsCredentialName(name)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "argument ", a + 1, " '", arg,
            "': a placeholder is ${name} (letters, digits and '_'), e.g. ${db_admin_password}"));
      }
      names.insert(std::move(name));
    }
  }
  return names;
}

absl::StatusOr<ConfigurationToolConfig> LoadConfigurationTool(const std::string& file,
                                                              const YAML::Node& section) {
  ConfigurationToolConfig c = DefaultConfigurationTool();
  // `configuration_tool:` with nothing after it: every default.
  const YAML::Node node = section.IsNull() ? YAML::Node(YAML::NodeType::Map) : section;
  if (absl::Status s = YamlCheckKeys(file, node, "configuration_tool",
                                     {"command", "apply", "apply_settings", "timeout", "log_file"});
      !s.ok()) {
    return s;
  }
  if (const YAML::Node n = node["command"]) {
    absl::StatusOr<std::vector<std::string>> argv = LoadList(file, n, "command");
    if (!argv.ok()) return argv.status();
    c.command = *std::move(argv);
  }
  if (c.command.empty()) {
    return YamlError(file, section,
                     "configuration_tool.command: required on this OS (on Windows it defaults to "
                     "the Platform Server folder's ConfigurationTool.com)");
  }
  if (!IsAbsolutePath(c.command[0])) {
    return YamlError(
        file, node["command"] ? node["command"] : section,
        absl::StrCat("configuration_tool.command: '", c.command[0], "' is not an absolute path"));
  }
  for (const auto& [key, args] :
       {std::pair<const char*, std::vector<std::string>*>{"apply", &c.apply},
        {"apply_settings", &c.apply_settings}}) {
    if (absl::Status s = LoadSwitches(file, node, key, *args); !s.ok()) return s;
  }
  if (const YAML::Node n = node["timeout"]) {
    absl::StatusOr<absl::Duration> d = LoadDuration(file, n, "timeout");
    if (!d.ok()) return d.status();
    if (absl::Status s = CheckDuration(
            absl::StrCat(YamlWhere(file, n), "configuration_tool.timeout"), *d, kToolTimeoutBounds);
        !s.ok()) {
      return s;
    }
    c.timeout = *d;
  }
  if (const YAML::Node n = node["log_file"]) {
    absl::StatusOr<std::string> v = YamlString(file, n, "log_file");
    if (!v.ok()) return v.status();
    c.log_file = *v;
  }
  return c;
}

}  // namespace osfleet::agent
