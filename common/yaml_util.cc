#include "common/yaml_util.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace osfleet {
namespace {

absl::Status TypeError(absl::string_view file, const YAML::Node& node, absl::string_view key,
                       absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(YamlWhere(file, node), key, ": expected ", expected));
}

}  // namespace

absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  try {
    return YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
}

std::string YamlWhere(absl::string_view file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return absl::StrCat(file, ": ");
  return absl::StrCat(file, ":", mark.line + 1, ": ");
}

absl::Status YamlError(absl::string_view file, const YAML::Node& node, absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(YamlWhere(file, node), text));
}

absl::StatusOr<std::string> YamlString(absl::string_view file, const YAML::Node& node,
                                       absl::string_view key) {
  if (!node.IsScalar()) return TypeError(file, node, key, "a string");
  return node.Scalar();
}

absl::StatusOr<bool> YamlBool(absl::string_view file, const YAML::Node& node,
                              absl::string_view key) {
  if (!node.IsScalar()) return TypeError(file, node, key, "true or false");
  const std::string& s = node.Scalar();
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return TypeError(file, node, key, absl::StrCat("true or false, got '", s, "'"));
}

absl::StatusOr<int64_t> YamlInt(absl::string_view file, const YAML::Node& node,
                                absl::string_view key) {
  int64_t value = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &value)) {
    return TypeError(file, node, key, "an integer");
  }
  return value;
}

absl::Status YamlCheckKeys(absl::string_view file, const YAML::Node& map, absl::string_view what,
                           const std::set<std::string>& allowed) {
  if (!map.IsMap()) return TypeError(file, map, what, "a mapping of keys to values");
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file, entry.first), what, ": key '", key, "' appears twice"));
    }
    if (allowed.count(key) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file, entry.first), what, ": unknown key '", key,
                       "' (known: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace osfleet
