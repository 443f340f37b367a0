// Safe access to nlohmann::json, which throws: dump() on text that is not UTF-8 (type_error
// 316), value()/get<>() on a key of the wrong type (type_error 302/306). Every document we
// write goes through DumpJson; every field we read from a document from disk or the network
// goes through a checked accessor that falls back to a default.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet {

// The document as text: indented by `indent` spaces, or on one line when indent is -1.
// Never throws: text that is not valid UTF-8 is written with U+FFFD in its place.
std::string DumpJson(const nlohmann::json& document, int indent = -1);

// Parses a JSON document without exceptions. DATA_LOSS "WHAT: not valid JSON" when the text
// does not parse (including text that is not UTF-8).
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text, absl::string_view what);

// Checked reads of `object[key]`: the fallback when `object` is not an object, the key is
// missing or its value has another type (a string where a number was expected, a number
// out of range).
std::string JsonString(const nlohmann::json& object, absl::string_view key,
                       absl::string_view fallback = "");
int64_t JsonInt(const nlohmann::json& object, absl::string_view key, int64_t fallback = 0);
double JsonDouble(const nlohmann::json& object, absl::string_view key, double fallback = 0);
bool JsonBool(const nlohmann::json& object, absl::string_view key, bool fallback = false);
// The value when it is an object, else an empty object.
nlohmann::json JsonObject(const nlohmann::json& object, absl::string_view key);
// The string members of an object value (members of other types are skipped).
std::map<std::string, std::string> JsonStringMap(const nlohmann::json& object,
                                                 absl::string_view key);

}  // namespace osfleet
