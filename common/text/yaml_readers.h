// Readers of values that several sections of a config file share: a program's command line,
// its environment, a duration. Errors are INVALID_ARGUMENT "FILE:LINE: ..." (yaml_util.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace osfleet {

// `command: [program, args...]` of node: a non-empty list whose first item is an absolute
// path (absolute_path.h). `missing` completes the error when the key is absent.
absl::StatusOr<std::vector<std::string>> LoadCommandLine(const std::string& file,
                                                         const YAML::Node& node,
                                                         absl::string_view missing);
// `env: {NAME: value}` of node; empty when absent.
absl::StatusOr<std::map<std::string, std::string>> LoadEnv(const std::string& file,
                                                           const YAML::Node& node);
// A duration value ("2s", "500ms") of key `key`.
absl::StatusOr<absl::Duration> LoadDuration(const std::string& file, const YAML::Node& node,
                                            absl::string_view key);

}  // namespace osfleet
