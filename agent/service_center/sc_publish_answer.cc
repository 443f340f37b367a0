// The REST publish's JSON answer (Staging_PublishWith2StepOption): its publishId, or the
// messages of a refusal. Declared in sc_wire.h with the rest of the wire.
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/service_center/sc_wire.h"
#include "common/text/json_util.h"
#include "common/text/utf8.h"

namespace osfleet::agent::sc_wire {
namespace {

absl::StatusOr<std::string> PublishIdFrom(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.dump();
  if (value.is_string()) {
    const std::string text(absl::StripAsciiWhitespace(value.get<std::string>()));
    uint64_t id = 0;
    if (absl::SimpleAtoi(text, &id)) return absl::StrCat(id);
  }
  return absl::InternalError(
      absl::StrCat("the answer to ", kStagingPublish,
                   " has a publishId that is not a number: ", Snippet(DumpJson(value))));
}

// The value of key (any case) in a JSON object; null when absent.
const nlohmann::json* JsonField(const nlohmann::json& object, absl::string_view key) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (absl::EqualsIgnoreCase(it.key(), key)) return &it.value();
  }
  return nullptr;
}

std::string JsonText(const nlohmann::json& object, absl::string_view key) {
  const nlohmann::json* value = JsonField(object, key);
  if (value == nullptr || value->is_null()) return "";
  return ValidUtf8(value->is_string() ? value->get<std::string>() : DumpJson(*value));
}

// Messages[] of a refused publish: each {Message, Detail}, bare or wrapped as
// {"REST_PublicationMessage": {…}}.
std::vector<PublishMessage> RefusalMessages(const nlohmann::json& messages) {
  std::vector<PublishMessage> out;
  if (!messages.is_array()) return out;
  for (const nlohmann::json& item : messages) {
    if (!item.is_object()) continue;
    const nlohmann::json* wrapped = JsonField(item, "REST_PublicationMessage");
    const nlohmann::json& m = wrapped != nullptr && wrapped->is_object() ? *wrapped : item;
    PublishMessage message;
    message.type = PublishMessageType::kError;
    message.type_text = "Refused";
    message.message = JsonText(m, "Message");
    message.detail = JsonText(m, "Detail");
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace

absl::StatusOr<PublishAnswer> ParsePublishResponse(absl::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) {
    return absl::DataLossError(
        absl::StrCat("the answer to ", kStagingPublish, " is not JSON: ", Snippet(json)));
  }
  PublishAnswer answer;
  const nlohmann::json* id = &doc;
  if (doc.is_object()) {
    id = JsonField(doc, "publishId");
    if (const nlohmann::json* messages = JsonField(doc, "Messages")) {
      answer.messages = RefusalMessages(*messages);
    }
  } else if (!doc.is_number_integer() && !doc.is_string()) {
    id = nullptr;
  }
  if (id == nullptr || id->is_null()) return answer;  // absent: refused
  absl::StatusOr<std::string> publish_id = PublishIdFrom(*id);
  if (!publish_id.ok()) return publish_id.status();
  if (*publish_id != "0") answer.publish_id = *publish_id;
  return answer;
}

}  // namespace osfleet::agent::sc_wire
