// The wire of Service Center's PlatformServices as its WSDL describes it: for each
// operation the phase calls, the SOAP binding, action and endpoint, the request element
// and its children in order, and where the reply keeps the list, the last message id and
// `finished`. ASP.NET web services route SOAP 1.1 by SOAPAction and ignore request
// elements they do not know (a wrong name silently becomes "" or 0), and OutSystems'
// own automation (OutSystems.SetupTools) calls these operations by position through
// New-WebServiceProxy on `…/PlatformServices_v8_0_0.asmx?WSDL`: the WSDL is the only
// authority for the names. Pure: reads text, no sockets, no files.
//
// The WSDL is read by local name with namespace prefixes resolved (wsdl:, soap:, soap12:,
// xs:/s: may be any prefix); document/literal only, as ASP.NET and OutSystems publish.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet::agent::sc_wire {

enum class SoapVersion { k11, k12 };

// "1.1" or "1.2".
std::string SoapVersionName(SoapVersion version);

// Where every Service Center serves PlatformServices (its WSDL: this path + "?WSDL").
inline constexpr char kPlatformServicesPath[] = "/ServiceCenter/PlatformServices_v8_0_0.asmx";

// How to call one operation and read its reply. Paths are element local names from the
// reply's operation element (<OpResponse>) down, matched case-insensitively.
struct OperationWire {
  std::string name;  // the operation: "Modules_Get"
  SoapVersion version = SoapVersion::k11;
  std::string action;               // the SOAPAction (1.1) or action= (1.2); may be empty for 1.2
  std::string path;                 // the endpoint's path (and query): "/ServiceCenter/…asmx"
  std::string request_element;      // usually the operation's name
  std::string request_namespace;    // the schema's targetNamespace
  bool qualified_inputs = true;     // elementFormDefault="qualified": inputs in that namespace
  std::vector<std::string> inputs;  // the request's children, in order (mapped by position)
  std::string response_element;     // "Modules_GetResponse"
  // The array-typed output holding the items ({"Modules_GetResult"}, or {"Result",
  // "Messages"} inside a wrapper); empty when the operation returns no list.
  std::vector<std::string> list_path;
  std::string item;  // the items' element name; empty: every child element is an item
  std::vector<std::string> last_id_path;   // the int/long output; empty when none
  std::vector<std::string> finished_path;  // the boolean output; empty when none
};

// The three operations the phase calls, and where their names came from.
struct Wire {
  std::string source;  // "WSDL http://…?WSDL", "wsdl_file /etc/…", "conventions"
  OperationWire modules_get, get_publish_messages, publish_abort;
};

// The operations the phase needs, in the order it needs them.
inline constexpr const char* kWireOperations[] = {"Modules_Get", "SolutionPack_GetPublishMessages",
                                                  "SolutionPack_PublishAbort"};

// osfleet's conventions when no WSDL can be had: `http://www.outsystems.com` and
// `http://www.outsystems.com/<Op>` actions, inputs username, password, publishId,
// afterMessageId, replies with `<Op>Result` holding the list and lastMessageId /
// finished beside it (ASP.NET's shape for a return value and out parameters).
Wire ConventionalWire(SoapVersion version = SoapVersion::k11);

// The wire a WSDL describes. `source` names it in the Wire and in every error. Per
// operation: a SOAP 1.1 binding when the WSDL has one that binds it, else SOAP 1.2; the
// port's soap:address location gives the endpoint's path (the host is always the
// configured one: see docs/service-center.md). The request must have 2 (Modules_Get), 4
// (SolutionPack_GetPublishMessages) or 3 (SolutionPack_PublishAbort) inputs, taken by
// position as user, password, publish id, after message id; Modules_Get and
// SolutionPack_GetPublishMessages must return one array-typed output (an element with
// maxOccurs > 1, or of a complexType that is such a sequence, e.g. ArrayOfX, directly or
// in a wrapper such as `<Op>Result`), and SolutionPack_GetPublishMessages one boolean
// output (finished) and at most one int/long output (the last message id).
// FAILED_PRECONDITION naming the source, the operation and what is missing or ambiguous
// (also for text that is not XML or not a WSDL).
absl::StatusOr<Wire> ParseWsdl(absl::string_view text, absl::string_view source);

// True when text looks like a WSDL at all (XML whose root is `definitions`): what tells
// a WSDL that does not fit (an error) from a page that is not a WSDL (conventions).
bool LooksLikeWsdl(absl::string_view text);

// One line per operation for events and messages: "Modules_Get: SOAP 1.1, action
// http://…/Modules_Get, <Modules_Get xmlns=…>(username, password)".
std::string DescribeOperation(const OperationWire& op);

}  // namespace osfleet::agent::sc_wire
