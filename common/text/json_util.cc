#include "common/text/json_util.h"

#include <limits>

#include "absl/strings/str_cat.h"

namespace osfleet {
namespace {

using nlohmann::json;

// The member `key` of `object`, or nullptr.
const json* Member(const json& object, absl::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

std::string DumpJson(const json& document, int indent) {
  return document.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

absl::StatusOr<json> ParseJson(absl::string_view text, absl::string_view what) {
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return absl::DataLossError(absl::StrCat(what, ": not valid JSON"));
  }
  return document;
}

std::string JsonString(const json& object, absl::string_view key, absl::string_view fallback) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_string()) return std::string(fallback);
  return value->get_ref<const std::string&>();
}

int64_t JsonInt(const json& object, absl::string_view key, int64_t fallback) {
  const json* value = Member(object, key);
  if (value == nullptr) return fallback;
  if (value->is_number_unsigned()) {
    const uint64_t u = value->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return fallback;
    return static_cast<int64_t>(u);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  return fallback;
}

double JsonDouble(const json& object, absl::string_view key, double fallback) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_number()) return fallback;
  return value->get<double>();
}

bool JsonBool(const json& object, absl::string_view key, bool fallback) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_boolean()) return fallback;
  return value->get<bool>();
}

json JsonObject(const json& object, absl::string_view key) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_object()) return json::object();
  return *value;
}

std::map<std::string, std::string> JsonStringMap(const json& object, absl::string_view key) {
  std::map<std::string, std::string> out;
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_object()) return out;
  for (const auto& [name, member] : value->items()) {
    if (member.is_string()) out[name] = member.get_ref<const std::string&>();
  }
  return out;
}

}  // namespace osfleet
