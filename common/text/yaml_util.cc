#include "common/text/yaml_util.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/text/utf8.h"

namespace osfleet {
namespace {

absl::Status TypeError(absl::string_view file, const YAML::Node& node, absl::string_view key,
                       absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(YamlWhere(file, node), key, ": expected ", expected));
}

// yaml-cpp reads UTF-16 and UTF-32 (a BOM, or NULs in the first bytes) and converts them
// itself; it passes the bytes of anything else through unchecked.
bool IsUtf16Or32(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xFF\xFE") || absl::StartsWith(bytes, "\xFE\xFF")) return true;
  return bytes.substr(0, 4).find('\0') != absl::string_view::npos;
}

// INVALID_ARGUMENT "FILE:LINE:COL: not valid UTF-8 ..." at the first bad byte.
absl::Status CheckUtf8(const std::string& path, absl::string_view bytes) {
  if (IsUtf16Or32(bytes)) return absl::OkStatus();
  const size_t at = FirstInvalidUtf8(bytes);
  if (at == absl::string_view::npos) return absl::OkStatus();
  const absl::string_view before = bytes.substr(0, at);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t newline = before.rfind('\n');
  const size_t column = newline == absl::string_view::npos ? at + 1 : at - newline;
  return absl::InvalidArgumentError(
      absl::StrFormat("%s:%d:%d: not valid UTF-8 (byte 0x%02X); save the file as UTF-8", path, line,
                      column, static_cast<unsigned char>(bytes[at])));
}

}  // namespace

absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  if (absl::Status s = CheckUtf8(path, text); !s.ok()) return s;
  try {
    return YAML::Load(text);
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
