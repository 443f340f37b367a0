// Every wire detail of the Service Center web services in one place: paths, operation
// names, SOAP versions and namespaces, request building and response reading. None of it
// is verified against a live Service Center (DESIGN.md §2), so responses are read leniently:
// by local name, namespace-agnostic, every child of `…Result` is an item, out-parameters
// and JSON keys matched case-insensitively. Pure functions: no sockets, no files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/service_center/phase_driver.h"

namespace osfleet::agent::sc_wire {

enum class SoapVersion { k11, k12 };

inline constexpr char kModulesGet[] = "Modules_Get";
inline constexpr char kGetPublishMessages[] = "SolutionPack_GetPublishMessages";
inline constexpr char kPublishAbort[] = "SolutionPack_PublishAbort";
inline constexpr char kStagingPublish[] = "Staging_PublishWith2StepOption";

// encrypted_password is '#' + the platform's encryption of the password (OutSystems'
// Password(...).EncryptedValue), what the web services take instead of the password: a
// secret that only these builders see.
struct Credentials {
  std::string user;
  std::string encrypted_password;
};

// One HTTP POST. headers are "Name: value" lines; they and body may hold the credentials:
// never log them or put them in a status.
struct PostRequest {
  std::string operation;  // for messages: "Modules_Get"
  std::string url;
  std::vector<std::string> headers;
  std::string body;
};

// The server part of a Service Center URL as administrators write it: trailing '/' and a
// final "/ServiceCenter" (any case) removed. "https://dc01/ServiceCenter/" ->
// "https://dc01"; "dc01:443/ServiceCenter" -> "dc01:443".
absl::string_view ServerPart(absl::string_view url);

// base_url is scheme://host[:port], optionally with /ServiceCenter (ServerPart).
PostRequest ModulesGetRequest(absl::string_view base_url, const Credentials& credentials,
                              SoapVersion version = SoapVersion::k11);
PostRequest GetPublishMessagesRequest(absl::string_view base_url, const Credentials& credentials,
                                      absl::string_view publish_id, int64_t after_message_id,
                                      SoapVersion version = SoapVersion::k11);
PostRequest PublishAbortRequest(absl::string_view base_url, const Credentials& credentials,
                                absl::string_view publish_id,
                                SoapVersion version = SoapVersion::k11);
// The REST publish of the running version of `modules`, in staging `staging_name`.
PostRequest PublishRequest(absl::string_view base_url, const Credentials& credentials,
                           absl::string_view staging_name, const std::vector<ScModule>& modules);

// <Envelope><Body><operation xmlns="http://www.outsystems.com">params…</operation>…,
// values XML-escaped, in the given order.
std::string SoapEnvelope(absl::string_view operation,
                         const std::vector<std::pair<std::string, std::string>>& params,
                         SoapVersion version);

// What an HTTP status means, before the body is read: OK for 200; UNAUTHENTICATED for 401
// (naming user); a SOAP Fault's text for 500; UNAVAILABLE for 502/503/504; otherwise an
// error naming the operation and the status. Never echoes the request.
absl::Status CheckHttpStatus(absl::string_view operation, long http_status,
                             absl::string_view response_body, absl::string_view user);

// The faultstring (SOAP 1.1) or Reason/Text (SOAP 1.2) of a SOAP Fault; nullopt when the
// body is not a SOAP envelope with a Fault.
std::optional<std::string> SoapFaultText(absl::string_view xml);

// Each module (OutSystems.SetupTools' CS_Module: every child of Modules_GetResult) with
// its Name, Key, Kind and StatusMessages: every child of <StatusMessages> is one, its <Id>
// a number, its <Message> the text (other fields ignored; no StatusMessages, or an empty
// or nil one, means none). DATA_LOSS for malformed XML, INTERNAL for an envelope of the
// wrong shape, without Modules_GetResult, or a status message without a numeric Id;
// FAILED_PRECONDITION for a SOAP Fault.
absl::StatusOr<std::vector<ScModule>> ParseModulesGetResponse(absl::string_view xml);

struct PublishMessagesPage {
  std::vector<PublishMessage> messages;
  std::optional<int64_t> last_message_id;  // absent when Service Center did not say
  bool finished = false;
};

// Errors as ParseModulesGetResponse; also INTERNAL when `finished` is missing or not a
// boolean. A missing Result means no new messages.
absl::StatusOr<PublishMessagesPage> ParsePublishMessagesResponse(absl::string_view xml);

// OK for a SOAP envelope without a Fault.
absl::Status ParsePublishAbortResponse(absl::string_view xml);

// The publishId of the REST publish answer (any case; a number or a numeric string).
// DATA_LOSS for malformed JSON, INTERNAL when publishId is missing or not a number.
absl::StatusOr<std::string> ParsePublishResponse(absl::string_view json);

// "Info", "warning", "PublishStop", … (case-insensitive); kOther for anything else.
PublishMessageType ParseMessageType(absl::string_view type_text);

}  // namespace osfleet::agent::sc_wire
