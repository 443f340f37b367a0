#include "common/text/yaml_readers.h"

#include "absl/strings/str_cat.h"
#include "common/text/absolute_path.h"
#include "common/text/yaml_util.h"
#include "common/time/duration.h"

namespace osfleet {

absl::StatusOr<std::vector<std::string>> LoadCommandLine(const std::string& file,
                                                         const YAML::Node& node,
                                                         absl::string_view missing) {
  const YAML::Node command = node["command"];
  if (!command || !command.IsSequence() || command.size() == 0) {
    return YamlError(file, node, absl::StrCat("command: ", missing));
  }
  std::vector<std::string> argv;
  for (const YAML::Node& arg : command) {
    absl::StatusOr<std::string> a = YamlString(file, arg, "command");
    if (!a.ok()) return a.status();
    argv.push_back(*a);
  }
  if (!IsAbsolutePath(argv[0])) {
    return YamlError(file, command,
                     absl::StrCat("command: the program '", argv[0],
                                  "' must be an absolute path (/…, C:\\…, \\\\server\\share\\…)"));
  }
  return argv;
}

absl::StatusOr<std::map<std::string, std::string>> LoadEnv(const std::string& file,
                                                           const YAML::Node& node) {
  std::map<std::string, std::string> out;
  const YAML::Node env = node["env"];
  if (!env) return out;
  if (!env.IsMap()) return YamlError(file, env, "env: expected a mapping of NAME: value");
  for (const auto& kv : env) {
    absl::StatusOr<std::string> v = YamlString(file, kv.second, kv.first.Scalar());
    if (!v.ok()) return v.status();
    out[kv.first.Scalar()] = *v;
  }
  return out;
}

absl::StatusOr<absl::Duration> LoadDuration(const std::string& file, const YAML::Node& node,
                                            absl::string_view key) {
  absl::StatusOr<std::string> text = YamlString(file, node, key);
  if (!text.ok()) return text.status();
  absl::StatusOr<absl::Duration> d = ParseDuration(*text, key);
  if (!d.ok()) return YamlError(file, node, d.status().message());
  return d;
}

}  // namespace osfleet
