// Every wire detail of the Service Center web services in one place: request building and
// response reading, from the names a WSDL gives (wsdl.h: an OperationWire) or, without
// one, osfleet's conventions (ConventionalWire; the overloads without an OperationWire).
// Responses are read by local name, namespace-agnostic, element names and JSON keys
// matched case-insensitively, with or without a `…Result` wrapper (wherever the
// OperationWire says the list and the outputs are). A reply whose list cannot be found is
// an error, never "no messages". Pure functions: no sockets, no files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/service_center/phase_driver.h"
#include "agent/service_center/wsdl.h"

namespace osfleet::agent::sc_wire {

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

// Printable, one line, at most 200 bytes (then an ellipsis): a hint of what the server
// sent, for messages; "(empty body)" for nothing.
std::string Snippet(absl::string_view body);

// The server part of a Service Center URL as administrators write it: trailing '/' and a
// final "/ServiceCenter" (any case) removed. "https://dc01/ServiceCenter/" ->
// "https://dc01"; "dc01:443/ServiceCenter" -> "dc01:443".
absl::string_view ServerPart(absl::string_view url);

// The WSDL of PlatformServices: <server>/ServiceCenter/PlatformServices_v8_0_0.asmx?WSDL.
std::string WsdlUrl(absl::string_view base_url);

// base_url is scheme://host[:port], optionally with /ServiceCenter (ServerPart); the
// endpoint is that server and op.path. Values go to op.inputs by position: user,
// password, publish id, after message id.
PostRequest ModulesGetRequest(absl::string_view base_url, const Credentials& credentials,
                              const OperationWire& op);
PostRequest GetPublishMessagesRequest(absl::string_view base_url, const Credentials& credentials,
                                      absl::string_view publish_id, int64_t after_message_id,
                                      const OperationWire& op);
PostRequest PublishAbortRequest(absl::string_view base_url, const Credentials& credentials,
                                absl::string_view publish_id, const OperationWire& op);
// The same with osfleet's conventions (ConventionalWire(version)).
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

// <Envelope><Body><op.request_element xmlns="op.request_namespace">inputs…</…>…: each of
// op.inputs with the value at its position (values XML-escaped); inputs unqualified when
// the schema says so.
std::string SoapEnvelope(const OperationWire& op, const std::vector<std::string>& values);

// What an HTTP status means, before the body is read: OK for 200; UNAUTHENTICATED for 401
// (naming user); a SOAP Fault's text for 500; UNAVAILABLE for 502/503/504; otherwise an
// error naming the operation and the status. Never echoes the request.
absl::Status CheckHttpStatus(absl::string_view operation, long http_status,
                             absl::string_view response_body, absl::string_view user);

// The faultstring (SOAP 1.1) or Reason/Text (SOAP 1.2) of a SOAP Fault; nullopt when the
// body is not a SOAP envelope with a Fault.
std::optional<std::string> SoapFaultText(absl::string_view xml);

// Each module (OutSystems.SetupTools' CS_Module: every item of the list op names) with
// its Name, Key, Kind and StatusMessages: every child of <StatusMessages> is one, its <Id>
// a number, its <Message> the text (other fields ignored; no StatusMessages, or an empty
// or nil one, means none). DATA_LOSS for malformed XML, INTERNAL for an envelope of the
// wrong shape, without the list, with items of another name than the WSDL's, or a status
// message without a numeric Id; FAILED_PRECONDITION for a SOAP Fault.
absl::StatusOr<std::vector<ScModule>> ParseModulesGetResponse(absl::string_view xml,
                                                              const OperationWire& op);
absl::StatusOr<std::vector<ScModule>> ParseModulesGetResponse(absl::string_view xml);

struct PublishMessagesPage {
  std::vector<PublishMessage> messages;
  std::optional<int64_t> last_message_id;  // absent when Service Center did not say
  bool finished = false;
};

// Errors as ParseModulesGetResponse; also INTERNAL when `finished` is missing or not a
// boolean, and when the list is missing: a reply whose list is not where op says is never
// read as "no messages" (that would report a failed publication as a success).
absl::StatusOr<PublishMessagesPage> ParsePublishMessagesResponse(absl::string_view xml,
                                                                 const OperationWire& op);
absl::StatusOr<PublishMessagesPage> ParsePublishMessagesResponse(absl::string_view xml);

// OK for a SOAP envelope without a Fault.
absl::Status ParsePublishAbortResponse(absl::string_view xml, const OperationWire& op);
absl::Status ParsePublishAbortResponse(absl::string_view xml);

// The REST publish's answer: the publication's id, or a refusal (publishId 0 or absent)
// with Service Center's reasons.
struct PublishAnswer {
  std::string publish_id;  // empty when Service Center refused the publish
  // Messages[]: each {Message, Detail}, bare or wrapped as {"REST_PublicationMessage":
  // {…}} (type kError, type_text "Refused").
  std::vector<PublishMessage> messages;
};

// The publishId of the REST publish answer (any case; a number or a numeric string) and
// its Messages. DATA_LOSS for malformed JSON, INTERNAL when publishId is not a number.
absl::StatusOr<PublishAnswer> ParsePublishResponse(absl::string_view json);

// "Info", "warning", "PublishStop", … (case-insensitive); kOther for anything else.
PublishMessageType ParseMessageType(absl::string_view type_text);

}  // namespace osfleet::agent::sc_wire
