#include "agent/service_center/sc_wire.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/text/json_util.h"
#include "common/text/utf8.h"

namespace osfleet::agent::sc_wire {
namespace {

constexpr char kRestPath[] = "/ServiceCenter/rest/PlatformServices/";
constexpr char kSoap11Namespace[] = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr char kSoap12Namespace[] = "http://www.w3.org/2003/05/soap-envelope";
constexpr size_t kSnippetBytes = 200;

std::string BaseUrl(absl::string_view base_url) { return std::string(ServerPart(base_url)); }

// The POST of op at the configured server (scheme, host and port: never the WSDL's) and
// op's path.
PostRequest SoapRequest(absl::string_view base_url, const OperationWire& op,
                        const std::vector<std::string>& values) {
  PostRequest request;
  request.operation = op.name;
  request.url = absl::StrCat(BaseUrl(base_url), op.path);
  if (op.version == SoapVersion::k11) {
    request.headers = {"Content-Type: text/xml; charset=utf-8",
                       absl::StrCat("SOAPAction: \"", op.action, "\"")};
  } else if (op.action.empty()) {
    request.headers = {"Content-Type: application/soap+xml; charset=utf-8"};
  } else {
    request.headers = {absl::StrCat("Content-Type: application/soap+xml; charset=utf-8; action=\"",
                                    op.action, "\"")};
  }
  request.body = SoapEnvelope(op, values);
  return request;
}

// RFC 3986: everything but the unreserved characters is percent-encoded.
std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

absl::string_view LocalName(const pugi::xml_node& node) {
  absl::string_view name = node.name();
  const size_t colon = name.find(':');
  return colon == absl::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, absl::string_view local_name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && absl::EqualsIgnoreCase(LocalName(c), local_name)) {
      return c;
    }
  }
  return {};
}

pugi::xml_node FirstElement(const pugi::xml_node& parent) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return c;
  }
  return {};
}

// The text of a field, trimmed and valid UTF-8; empty when the field is missing.
std::string FieldText(const pugi::xml_node& item, absl::string_view local_name) {
  return ValidUtf8(absl::StripAsciiWhitespace(Child(item, local_name).text().get()));
}

// The Body's first element of a SOAP envelope, or why there is none.
absl::StatusOr<pugi::xml_node> BodyElement(const pugi::xml_document& doc,
                                           absl::string_view operation) {
  const pugi::xml_node envelope = doc.document_element();
  if (!absl::EqualsIgnoreCase(LocalName(envelope), "Envelope")) {
    return absl::InternalError(absl::StrCat("the answer to ", operation,
                                            " is not a SOAP envelope (its root element is <",
                                            envelope.name(), ">)"));
  }
  const pugi::xml_node body = FirstElement(Child(envelope, "Body"));
  if (!body) {
    return absl::InternalError(
        absl::StrCat("the answer to ", operation, " is a SOAP envelope without a Body"));
  }
  return body;
}

std::string FaultText(const pugi::xml_node& fault) {
  std::string text = FieldText(fault, "faultstring");
  if (text.empty()) text = FieldText(Child(fault, "Reason"), "Text");
  return text.empty() ? "(no reason given)" : text;
}

// Parses doc from xml and returns op's response element (<OperationResponse>).
absl::StatusOr<pugi::xml_node> ResponseElement(pugi::xml_document& doc, absl::string_view xml,
                                               const OperationWire& op) {
  const std::string& operation = op.name;
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return absl::DataLossError(absl::StrCat("the answer to ", operation, " is not XML (",
                                            parsed.description(), " at byte ", parsed.offset, ")"));
  }
  absl::StatusOr<pugi::xml_node> body = BodyElement(doc, operation);
  if (!body.ok()) return body.status();
  if (absl::EqualsIgnoreCase(LocalName(*body), "Fault")) {
    return absl::FailedPreconditionError(absl::StrCat("Service Center answered ", operation,
                                                      " with a SOAP fault: ", FaultText(*body)));
  }
  if (!absl::EqualsIgnoreCase(LocalName(*body), op.response_element)) {
    return absl::InternalError(absl::StrCat("the answer to ", operation, " holds <", body->name(),
                                            "> instead of <", op.response_element, ">"));
  }
  return *body;
}

// The element at path below node (local names, any case); node itself for an empty path;
// null when a step is missing.
pugi::xml_node Navigate(pugi::xml_node node, const std::vector<std::string>& path) {
  for (const std::string& step : path) {
    if (!node) break;
    node = Child(node, step);
  }
  return node;
}

std::string PathText(absl::string_view response, const std::vector<std::string>& path) {
  return absl::StrCat("<", response, ">/", absl::StrJoin(path, "/"));
}

std::vector<pugi::xml_node> Items(const pugi::xml_node& result) {
  std::vector<pugi::xml_node> items;
  for (pugi::xml_node c = result.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) items.push_back(c);
  }
  return items;
}

// The items of op's list in a response: every child of the list element, each named
// op.item when the WSDL names it (a child of another name is an error, not skipped: it
// would hide a message). INTERNAL when the list is missing.
absl::StatusOr<std::vector<pugi::xml_node>> ListItems(const pugi::xml_node& response,
                                                      const OperationWire& op) {
  const pugi::xml_node list = Navigate(response, op.list_path);
  if (!list) {
    return absl::InternalError(absl::StrCat("the answer to ", op.name, " has no ",
                                            PathText(LocalName(response), op.list_path),
                                            " (the list ", op.name, " returns)"));
  }
  std::vector<pugi::xml_node> items;
  for (const pugi::xml_node& c : Items(list)) {
    if (!op.item.empty() && !absl::EqualsIgnoreCase(LocalName(c), op.item)) {
      if (op.list_path.empty()) continue;  // items right in the response: its other outputs
      return absl::InternalError(absl::StrCat(
          "the answer to ", op.name, " holds <", c.name(), "> in its list ",
          PathText(LocalName(response), op.list_path), " where the WSDL declares <", op.item, ">"));
    }
    items.push_back(c);
  }
  return items;
}

// <StatusMessages><any><Id>6</Id><Message>…</Message>…</any>…</StatusMessages>.
absl::Status ParseStatusMessages(const pugi::xml_node& item, ScModule& module) {
  for (const pugi::xml_node& m : Items(Child(item, "StatusMessages"))) {
    const std::string id_text = FieldText(m, "Id");
    ScStatusMessage status{0, FieldText(m, "Message")};
    if (!absl::SimpleAtoi(id_text, &status.id)) {
      const std::string what =
          id_text.empty() ? std::string("without an Id")
                          : absl::StrCat("whose Id \"", Snippet(id_text), "\" is not a number");
      return absl::InternalError(absl::StrCat("module ", module.name, " in the answer to ",
                                              kModulesGet, " has a status message (<", m.name(),
                                              ">) ", what));
    }
    module.status_messages.push_back(std::move(status));
  }
  return absl::OkStatus();
}

absl::StatusOr<ScModule> ParseModule(const pugi::xml_node& item, size_t index) {
  ScModule module{FieldText(item, "Name"), FieldText(item, "Key"), FieldText(item, "Kind"), {}};
  if (module.name.empty() || module.key.empty()) {
    return absl::InternalError(absl::StrCat("module ", index + 1, " (<", item.name(),
                                            ">) in the answer to ", kModulesGet,
                                            " has no Name or no Key"));
  }
  if (absl::Status s = ParseStatusMessages(item, module); !s.ok()) return s;
  return module;
}

absl::StatusOr<int64_t> ParseId(absl::string_view text, absl::string_view what) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(text, &id)) {
    return absl::InternalError(absl::StrCat("the answer to ", kGetPublishMessages, " has ", what,
                                            " \"", text, "\", which is not a number"));
  }
  return id;
}

absl::StatusOr<PublishMessage> ParseMessage(const pugi::xml_node& item) {
  PublishMessage message;
  message.type_text = FieldText(item, "Type");
  message.type = ParseMessageType(message.type_text);
  message.message = FieldText(item, "Message");
  message.detail = FieldText(item, "Detail");
  const std::string id = FieldText(item, "Id");
  if (id.empty()) return message;
  absl::StatusOr<int64_t> parsed = ParseId(id, "a message Id");
  if (!parsed.ok()) return parsed.status();
  message.id = *parsed;
  return message;
}

absl::StatusOr<bool> ParseFinished(const pugi::xml_node& response, const OperationWire& op) {
  const pugi::xml_node node = Navigate(response, op.finished_path);
  const std::string text =
      absl::AsciiStrToLower(ValidUtf8(absl::StripAsciiWhitespace(node.text().get())));
  if (node && (text == "true" || text == "1")) return true;
  if (node && (text == "false" || text == "0")) return false;
  return absl::InternalError(
      absl::StrCat("the answer to ", kGetPublishMessages,
                   node ? absl::StrCat(" has finished \"", text, "\", which is not true or false")
                        : absl::StrCat(" has no ", PathText(LocalName(response), op.finished_path),
                                       " (finished)")));
}

}  // namespace

std::string Snippet(absl::string_view body) {
  std::string out;
  for (unsigned char c : body.substr(0, kSnippetBytes)) {
    const bool space = std::isspace(c) || std::iscntrl(c);
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : static_cast<char>(c));
  }
  out = ValidUtf8(out);  // the cut may split a character; the server may not send UTF-8
  if (body.size() > kSnippetBytes) out += "…";
  return out.empty() ? "(empty body)" : out;
}

absl::string_view ServerPart(absl::string_view url) {
  while (absl::ConsumeSuffix(&url, "/")) {
  }
  constexpr absl::string_view kServiceCenter = "/ServiceCenter";
  // Not the "//" of the scheme: https://ServiceCenter is a host of that name.
  const size_t at = url.size() - std::min(url.size(), kServiceCenter.size());
  if (at > 0 && url[at - 1] != '/' && absl::EqualsIgnoreCase(url.substr(at), kServiceCenter)) {
    url.remove_suffix(kServiceCenter.size());
  }
  while (absl::ConsumeSuffix(&url, "/")) {
  }
  return url;
}

std::string WsdlUrl(absl::string_view base_url) {
  return absl::StrCat(BaseUrl(base_url), kPlatformServicesPath, "?WSDL");
}

PostRequest ModulesGetRequest(absl::string_view base_url, const Credentials& credentials,
                              const OperationWire& op) {
  return SoapRequest(base_url, op, {credentials.user, credentials.encrypted_password});
}

PostRequest GetPublishMessagesRequest(absl::string_view base_url, const Credentials& credentials,
                                      absl::string_view publish_id, int64_t after_message_id,
                                      const OperationWire& op) {
  return SoapRequest(base_url, op,
                     {credentials.user, credentials.encrypted_password, std::string(publish_id),
                      absl::StrCat(after_message_id)});
}

PostRequest PublishAbortRequest(absl::string_view base_url, const Credentials& credentials,
                                absl::string_view publish_id, const OperationWire& op) {
  return SoapRequest(base_url, op,
                     {credentials.user, credentials.encrypted_password, std::string(publish_id)});
}

PostRequest ModulesGetRequest(absl::string_view base_url, const Credentials& credentials,
                              SoapVersion version) {
  return ModulesGetRequest(base_url, credentials, ConventionalWire(version).modules_get);
}

PostRequest GetPublishMessagesRequest(absl::string_view base_url, const Credentials& credentials,
                                      absl::string_view publish_id, int64_t after_message_id,
                                      SoapVersion version) {
  return GetPublishMessagesRequest(base_url, credentials, publish_id, after_message_id,
                                   ConventionalWire(version).get_publish_messages);
}

PostRequest PublishAbortRequest(absl::string_view base_url, const Credentials& credentials,
                                absl::string_view publish_id, SoapVersion version) {
  return PublishAbortRequest(base_url, credentials, publish_id,
                             ConventionalWire(version).publish_abort);
}

PostRequest PublishRequest(absl::string_view base_url, const Credentials& credentials,
                           absl::string_view staging_name, const std::vector<ScModule>& modules) {
  nlohmann::json list = nlohmann::json::array();
  for (const ScModule& m : modules) {
    list.push_back({{"REST_Module", {{"Name", m.name}, {"Key", m.key}, {"Kind", m.kind}}}});
  }
  const nlohmann::json body = {{"ModulesToPublish", std::move(list)},
                               {"ApplicationsToUpdate", nlohmann::json::array()}};
  PostRequest request;
  request.operation = kStagingPublish;
  request.url = absl::StrCat(BaseUrl(base_url), kRestPath, kStagingPublish,
                             "?StagingName=", UrlEncode(staging_name), "&TwoStepMode=false");
  request.headers = {absl::StrCat("Authorization: Basic ",
                                  absl::Base64Escape(absl::StrCat(credentials.user, ":",
                                                                  credentials.encrypted_password))),
                     "Content-Type: application/json; charset=utf-8", "Accept: application/json"};
  request.body = DumpJson(body);
  return request;
}

std::string SoapEnvelope(const OperationWire& op, const std::vector<std::string>& values) {
  const bool v11 = op.version == SoapVersion::k11;
  const std::string prefix = v11 ? "soap" : "soap12";
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  pugi::xml_node envelope = doc.append_child((prefix + ":Envelope").c_str());
  envelope.append_attribute(("xmlns:" + prefix).c_str()) =
      v11 ? kSoap11Namespace : kSoap12Namespace;
  pugi::xml_node body = envelope.append_child((prefix + ":Body").c_str());
  // Qualified inputs share the operation's default namespace; unqualified ones need the
  // operation under a prefix so that they can have none.
  const std::string element =
      op.qualified_inputs ? op.request_element : absl::StrCat("op:", op.request_element);
  pugi::xml_node request = body.append_child(element.c_str());
  request.append_attribute(op.qualified_inputs ? "xmlns" : "xmlns:op") =
      op.request_namespace.c_str();
  for (size_t i = 0; i < op.inputs.size() && i < values.size(); ++i) {
    request.append_child(op.inputs[i].c_str()).text().set(values[i].c_str());
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

absl::Status CheckHttpStatus(absl::string_view operation, long http_status,
                             absl::string_view response_body, absl::string_view user) {
  const std::string code = absl::StrCat("HTTP ", http_status);
  if (http_status >= 200 && http_status < 300) return absl::OkStatus();
  if (http_status == 401) {
    return absl::UnauthenticatedError(
        absl::StrCat("Service Center refused the credentials of user ", user, " (", code, " to ",
                     operation, ")"));
  }
  if (http_status == 403) {
    return absl::PermissionDeniedError(absl::StrCat("Service Center does not let user ", user,
                                                    " call ", operation, " (", code, ")"));
  }
  if (std::optional<std::string> fault = SoapFaultText(response_body)) {
    return absl::FailedPreconditionError(absl::StrCat("Service Center answered ", operation,
                                                      " with a SOAP fault (", code, "): ", *fault));
  }
  if (http_status >= 300 && http_status < 400) {
    return absl::FailedPreconditionError(
        absl::StrCat("Service Center redirected ", operation, " (", code,
                     "); set url to where Service Center answers (http or https, host name)"));
  }
  if (http_status == 404) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Service Center has no ", operation, " (", code, "); is url the Deployment Controller?"));
  }
  const std::string what = absl::StrCat("Service Center answered ", operation, " with ", code, ": ",
                                        Snippet(response_body));
  if (http_status == 502 || http_status == 503 || http_status == 504) {
    return absl::UnavailableError(what);
  }
  return absl::InternalError(what);
}

std::optional<std::string> SoapFaultText(absl::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  absl::StatusOr<pugi::xml_node> body = BodyElement(doc, "");
  if (!body.ok() || !absl::EqualsIgnoreCase(LocalName(*body), "Fault")) return std::nullopt;
  return FaultText(*body);
}

absl::StatusOr<std::vector<ScModule>> ParseModulesGetResponse(absl::string_view xml,
                                                              const OperationWire& op) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> response = ResponseElement(doc, xml, op);
  if (!response.ok()) return response.status();
  absl::StatusOr<std::vector<pugi::xml_node>> items = ListItems(*response, op);
  if (!items.ok()) return items.status();
  std::vector<ScModule> modules;
  for (size_t i = 0; i < items->size(); ++i) {
    absl::StatusOr<ScModule> module = ParseModule((*items)[i], i);
    if (!module.ok()) return module.status();
    modules.push_back(*std::move(module));
  }
  return modules;
}

absl::StatusOr<std::vector<ScModule>> ParseModulesGetResponse(absl::string_view xml) {
  return ParseModulesGetResponse(xml, ConventionalWire().modules_get);
}

absl::StatusOr<PublishMessagesPage> ParsePublishMessagesResponse(absl::string_view xml,
                                                                 const OperationWire& op) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> response = ResponseElement(doc, xml, op);
  if (!response.ok()) return response.status();
  absl::StatusOr<std::vector<pugi::xml_node>> items = ListItems(*response, op);
  if (!items.ok()) {
    return absl::Status(items.status().code(), absl::StrCat(items.status().message(),
                                                            "; not reading it as \"no messages\""));
  }
  PublishMessagesPage page;
  for (const pugi::xml_node& item : *items) {
    absl::StatusOr<PublishMessage> message = ParseMessage(item);
    if (!message.ok()) return message.status();
    page.messages.push_back(*std::move(message));
  }
  if (!op.last_id_path.empty()) {
    const std::string last =
        ValidUtf8(absl::StripAsciiWhitespace(Navigate(*response, op.last_id_path).text().get()));
    if (!last.empty()) {
      absl::StatusOr<int64_t> id = ParseId(last, op.last_id_path.back());
      if (!id.ok()) return id.status();
      page.last_message_id = *id;
    }
  }
  absl::StatusOr<bool> finished = ParseFinished(*response, op);
  if (!finished.ok()) return finished.status();
  page.finished = *finished;
  return page;
}

absl::StatusOr<PublishMessagesPage> ParsePublishMessagesResponse(absl::string_view xml) {
  return ParsePublishMessagesResponse(xml, ConventionalWire().get_publish_messages);
}

absl::Status ParsePublishAbortResponse(absl::string_view xml, const OperationWire& op) {
  pugi::xml_document doc;
  return ResponseElement(doc, xml, op).status();
}

absl::Status ParsePublishAbortResponse(absl::string_view xml) {
  return ParsePublishAbortResponse(xml, ConventionalWire().publish_abort);
}

PublishMessageType ParseMessageType(absl::string_view type_text) {
  const absl::string_view t = absl::StripAsciiWhitespace(type_text);
  if (absl::EqualsIgnoreCase(t, "Info")) return PublishMessageType::kInfo;
  if (absl::EqualsIgnoreCase(t, "Warning")) return PublishMessageType::kWarning;
  if (absl::EqualsIgnoreCase(t, "Error")) return PublishMessageType::kError;
  if (absl::EqualsIgnoreCase(t, "PublishStop")) return PublishMessageType::kPublishStop;
  return PublishMessageType::kOther;
}

}  // namespace osfleet::agent::sc_wire
