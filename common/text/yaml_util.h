// Safe access to yaml-cpp, which throws: every call that can throw is wrapped here, and
// errors carry the file name and line so a user finds the mistake at once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace osfleet {

// Loads a YAML file. INVALID_ARGUMENT "FILE:LINE:COL: message" on a syntax error or on a
// byte that is not UTF-8 (UTF-16/32 with a BOM are read too), NOT_FOUND when the file is
// missing.
absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path);

// "FILE:LINE: " for a node, for error messages.
std::string YamlWhere(absl::string_view file, const YAML::Node& node);

// INVALID_ARGUMENT "FILE:LINE: text": a mistake in a YAML file, where it is.
absl::Status YamlError(absl::string_view file, const YAML::Node& node, absl::string_view text);

// Scalars. INVALID_ARGUMENT "FILE:LINE: KEY: expected ..., got ..." when the node has
// the wrong type.
absl::StatusOr<std::string> YamlString(absl::string_view file, const YAML::Node& node,
                                       absl::string_view key);
absl::StatusOr<bool> YamlBool(absl::string_view file, const YAML::Node& node,
                              absl::string_view key);
absl::StatusOr<int64_t> YamlInt(absl::string_view file, const YAML::Node& node,
                                absl::string_view key);

// Fails on the first key of a map that is not in `allowed` (a typo must not fall back to
// a default silently), or when the node is not a map.
absl::Status YamlCheckKeys(absl::string_view file, const YAML::Node& map, absl::string_view what,
                           const std::set<std::string>& allowed);

}  // namespace osfleet
