#include "agent/service_center/wsdl.h"

#include <iterator>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include <pugixml.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace osfleet::agent::sc_wire {
namespace {

constexpr char kXsd[] = "http://www.w3.org/2001/XMLSchema";
constexpr char kWsdlSoap11[] = "http://schemas.xmlsoap.org/wsdl/soap/";
constexpr char kWsdlSoap12[] = "http://schemas.xmlsoap.org/wsdl/soap12/";
constexpr char kConventionalNamespace[] = "http://www.outsystems.com";
// A wrapper output (`<Op>Result` of a complex type) is looked into this deep, no more:
// deeper structures are the items' own fields.
constexpr int kMaxWrapperDepth = 2;

using Path = std::vector<std::string>;

absl::string_view LocalName(absl::string_view qname) {
  const size_t colon = qname.find(':');
  return colon == absl::string_view::npos ? qname : qname.substr(colon + 1);
}

absl::string_view Prefix(absl::string_view qname) {
  const size_t colon = qname.find(':');
  return colon == absl::string_view::npos ? absl::string_view() : qname.substr(0, colon);
}

absl::string_view Local(const pugi::xml_node& node) { return LocalName(node.name()); }

// The namespace a prefix stands for at node ("" for none): the nearest xmlns[:prefix].
std::string NamespaceOfPrefix(pugi::xml_node node, absl::string_view prefix) {
  const std::string attribute = prefix.empty() ? "xmlns" : absl::StrCat("xmlns:", prefix);
  for (; node; node = node.parent()) {
    if (pugi::xml_attribute a = node.attribute(attribute.c_str())) return a.value();
  }
  return "";
}

std::string NamespaceOf(const pugi::xml_node& node) {
  return NamespaceOfPrefix(node, Prefix(node.name()));
}

struct QName {
  std::string ns, local;
};

// A QName-valued attribute ("tns:ArrayOfCS_Module") resolved where it is written.
QName Resolve(const pugi::xml_node& node, const char* attribute) {
  const absl::string_view value = absl::StripAsciiWhitespace(node.attribute(attribute).value());
  return {NamespaceOfPrefix(node, Prefix(value)), std::string(LocalName(value))};
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& parent, absl::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && Local(c) == local) out.push_back(c);
  }
  return out;
}

pugi::xml_node Child(const pugi::xml_node& parent, absl::string_view local) {
  std::vector<pugi::xml_node> all = Children(parent, local);
  return all.empty() ? pugi::xml_node() : all.front();
}

// A schema item and the schema that declares it.
struct Declared {
  pugi::xml_node node;
  pugi::xml_node schema;
};

struct OperationRefs {
  std::string input_message, output_message;
};

struct Binding {
  std::string name;
  std::string port_type;
  SoapVersion version = SoapVersion::k11;
  std::map<std::string, std::string> actions;  // operation -> soapAction
};

// What the WSDL declares, indexed by local name (PlatformServices has one namespace).
class WsdlIndex {
 public:
  WsdlIndex(const pugi::xml_node& definitions, std::string source) : source_(std::move(source)) {
    for (const pugi::xml_node& types : Children(definitions, "types")) {
      for (const pugi::xml_node& schema : Children(types, "schema")) IndexSchema(schema);
    }
    for (const pugi::xml_node& m : Children(definitions, "message")) IndexMessage(m);
    for (const pugi::xml_node& p : Children(definitions, "portType")) IndexPortType(p);
    for (const pugi::xml_node& b : Children(definitions, "binding")) IndexBinding(b);
    for (const pugi::xml_node& s : Children(definitions, "service")) IndexService(s);
  }

  absl::StatusOr<OperationWire> Operation(absl::string_view name) const;

 private:
  void IndexSchema(const pugi::xml_node& schema) {
    for (const pugi::xml_node& e : Children(schema, "element")) {
      elements_.emplace(e.attribute("name").value(), Declared{e, schema});
    }
    for (const pugi::xml_node& t : Children(schema, "complexType")) {
      types_.emplace(t.attribute("name").value(), Declared{t, schema});
    }
  }
  void IndexMessage(const pugi::xml_node& message) {
    std::vector<pugi::xml_node> parts = Children(message, "part");
    QName element;
    if (parts.size() == 1 && parts[0].attribute("element")) element = Resolve(parts[0], "element");
    messages_.emplace(message.attribute("name").value(), element.local);
  }
  void IndexPortType(const pugi::xml_node& port_type) {
    auto& ops = port_types_[port_type.attribute("name").value()];
    for (const pugi::xml_node& op : Children(port_type, "operation")) {
      ops.emplace(op.attribute("name").value(),
                  OperationRefs{Resolve(Child(op, "input"), "message").local,
                                Resolve(Child(op, "output"), "message").local});
    }
  }
  // Only SOAP bindings (ASP.NET also publishes HttpGet/HttpPost ones: not ours).
  void IndexBinding(const pugi::xml_node& binding) {
    const pugi::xml_node soap = Child(binding, "binding");
    if (!soap) return;
    const std::string ns = NamespaceOf(soap);
    Binding b;
    if (ns == kWsdlSoap11) {
      b.version = SoapVersion::k11;
    } else if (ns == kWsdlSoap12) {
      b.version = SoapVersion::k12;
    } else {
      return;
    }
    b.name = binding.attribute("name").value();
    b.port_type = Resolve(binding, "type").local;
    for (const pugi::xml_node& op : Children(binding, "operation")) {
      b.actions.emplace(op.attribute("name").value(),
                        Child(op, "operation").attribute("soapAction").value());
    }
    bindings_.push_back(std::move(b));
  }
  void IndexService(const pugi::xml_node& service) {
    for (const pugi::xml_node& port : Children(service, "port")) {
      const pugi::xml_node address = Child(port, "address");
      if (address) {
        locations_.emplace(Resolve(port, "binding").local, address.attribute("location").value());
      }
    }
  }

  absl::Status Fail(absl::string_view operation, absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(source_, ": ", operation, ": ", what));
  }
  const Binding* ChooseBinding(absl::string_view operation) const;
  absl::StatusOr<Declared> MessageElement(absl::string_view operation,
                                          const std::string& message) const;
  std::optional<Declared> TypeOf(const Declared& element) const;
  absl::Status ReadInputs(absl::string_view operation, const Declared& element,
                          OperationWire& wire) const;
  absl::Status ReadOutputs(absl::string_view operation, const Declared& element,
                           OperationWire& wire) const;

  struct Outputs {
    std::vector<std::pair<Path, std::string>> lists;  // container path, item name
    std::vector<Path> ints, booleans;
  };
  void Walk(const Declared& type, const Path& prefix, int depth, Outputs& out) const;
  bool IsArray(const Declared& type, std::string& item) const;

  const std::string source_;
  std::map<std::string, Declared> elements_, types_;
  std::map<std::string, std::string> messages_;  // message -> its part's element
  std::map<std::string, std::map<std::string, OperationRefs>> port_types_;
  std::vector<Binding> bindings_;
  std::map<std::string, std::string> locations_;  // binding -> soap:address location
};

std::vector<pugi::xml_node> SequenceElements(const pugi::xml_node& complex_type) {
  std::vector<pugi::xml_node> out;
  for (const char* group : {"sequence", "all"}) {
    for (const pugi::xml_node& g : Children(complex_type, group)) {
      for (const pugi::xml_node& e : Children(g, "element")) out.push_back(e);
    }
  }
  return out;
}

bool Repeated(const pugi::xml_node& element) {
  const std::string max = absl::AsciiStrToLower(element.attribute("maxOccurs").value());
  int n = 1;
  return max == "unbounded" || (absl::SimpleAtoi(max, &n) && n > 1);
}

std::string ElementName(const pugi::xml_node& element) {
  if (element.attribute("name")) return element.attribute("name").value();
  return Resolve(element, "ref").local;
}

std::string Joined(const Path& path) { return absl::StrJoin(path, "/"); }

const Binding* WsdlIndex::ChooseBinding(absl::string_view operation) const {
  const Binding* chosen = nullptr;
  for (const Binding& b : bindings_) {
    if (b.actions.count(std::string(operation)) == 0) continue;
    if (b.version == SoapVersion::k11) return &b;
    if (chosen == nullptr) chosen = &b;
  }
  return chosen;
}

absl::StatusOr<Declared> WsdlIndex::MessageElement(absl::string_view operation,
                                                   const std::string& message) const {
  auto m = messages_.find(message);
  if (m == messages_.end()) {
    return Fail(operation, absl::StrCat("its message \"", message, "\" is not declared"));
  }
  if (m->second.empty()) {
    return Fail(operation, absl::StrCat("its message \"", message,
                                        "\" is not one part naming a schema element "
                                        "(only document/literal is understood)"));
  }
  auto e = elements_.find(m->second);
  if (e == elements_.end()) {
    return Fail(operation, absl::StrCat("its message \"", message, "\" names element \"", m->second,
                                        "\", which no schema declares"));
  }
  return e->second;
}

// An element's complex type: inline, or named by type= (nullopt for simple types).
std::optional<Declared> WsdlIndex::TypeOf(const Declared& element) const {
  if (pugi::xml_node inline_type = Child(element.node, "complexType")) {
    return Declared{inline_type, element.schema};
  }
  if (!element.node.attribute("type")) return std::nullopt;
  const QName type = Resolve(element.node, "type");
  if (type.ns == kXsd) return std::nullopt;
  auto t = types_.find(type.local);
  if (t == types_.end()) return std::nullopt;
  return t->second;
}

absl::Status WsdlIndex::ReadInputs(absl::string_view operation, const Declared& element,
                                   OperationWire& wire) const {
  wire.request_element = element.node.attribute("name").value();
  wire.request_namespace = element.schema.attribute("targetNamespace").value();
  wire.qualified_inputs =
      absl::EqualsIgnoreCase(element.schema.attribute("elementFormDefault").value(), "qualified");
  std::optional<Declared> type = TypeOf(element);
  if (!type.has_value()) {
    return Fail(operation, absl::StrCat("its request element \"", wire.request_element,
                                        "\" has no complex type with a sequence of inputs"));
  }
  for (const pugi::xml_node& e : SequenceElements(type->node)) {
    wire.inputs.push_back(ElementName(e));
  }
  return absl::OkStatus();
}

// A complex type that is one repeated element (ASP.NET's ArrayOfX): its item's name.
bool WsdlIndex::IsArray(const Declared& type, std::string& item) const {
  const std::vector<pugi::xml_node> elements = SequenceElements(type.node);
  if (elements.size() != 1 || !Repeated(elements[0])) return false;
  item = ElementName(elements[0]);
  return true;
}

bool IsXsdType(const pugi::xml_node& element, std::initializer_list<absl::string_view> names) {
  if (!element.attribute("type")) return false;
  const QName type = Resolve(element, "type");
  if (type.ns != kXsd && !type.ns.empty()) return false;
  for (absl::string_view n : names) {
    if (type.local == n) return true;
  }
  return false;
}

void WsdlIndex::Walk(const Declared& type, const Path& prefix, int depth, Outputs& out) const {
  for (const pugi::xml_node& e : SequenceElements(type.node)) {
    Path path = prefix;
    path.push_back(ElementName(e));
    Declared declared{e, type.schema};
    if (e.attribute("ref")) {
      auto global = elements_.find(path.back());
      if (global != elements_.end()) declared = global->second;
    }
    std::string item;
    if (Repeated(e)) {
      out.lists.emplace_back(prefix, path.back());  // the items sit right in the container
    } else if (IsXsdType(declared.node,
                         {"int", "long", "short", "integer", "unsignedInt", "unsignedLong"})) {
      out.ints.push_back(path);
    } else if (IsXsdType(declared.node, {"boolean"})) {
      out.booleans.push_back(path);
    } else if (std::optional<Declared> complex = TypeOf(declared)) {
      if (IsArray(*complex, item)) {
        out.lists.emplace_back(path, item);
      } else if (depth < kMaxWrapperDepth) {
        Walk(*complex, path, depth + 1, out);  // a wrapper: its outputs are inside
      }
    }
  }
}

absl::Status WsdlIndex::ReadOutputs(absl::string_view operation, const Declared& element,
                                    OperationWire& wire) const {
  wire.response_element = element.node.attribute("name").value();
  Outputs out;
  if (std::optional<Declared> type = TypeOf(element)) Walk(*type, {}, 0, out);
  const bool wants_list = operation != "SolutionPack_PublishAbort";
  const bool wants_page = operation == "SolutionPack_GetPublishMessages";
  std::vector<std::string> lists;
  for (const auto& [path, item] : out.lists) lists.push_back(Joined(path) + "/" + item);
  if (wants_list && out.lists.size() != 1) {
    return Fail(operation,
                out.lists.empty()
                    ? absl::StrCat("its reply \"", wire.response_element,
                                   "\" has no array-typed output (the list)")
                    : absl::StrCat("its reply \"", wire.response_element, "\" has ",
                                   out.lists.size(), " array-typed outputs (",
                                   absl::StrJoin(lists, ", "), "): which is the list is unclear"));
  }
  if (wants_page && out.booleans.size() != 1) {
    return Fail(operation,
                absl::StrCat("its reply \"", wire.response_element, "\" has ", out.booleans.size(),
                             " boolean outputs; exactly one (finished) was expected"));
  }
  if (wants_page && out.ints.size() > 1) {
    return Fail(operation,
                absl::StrCat("its reply \"", wire.response_element, "\" has ", out.ints.size(),
                             " integer outputs; at most one (the last message id) "
                             "was expected"));
  }
  if (wants_list) std::tie(wire.list_path, wire.item) = out.lists.front();
  if (wants_page) {
    wire.finished_path = out.booleans.front();
    if (!out.ints.empty()) wire.last_id_path = out.ints.front();
  }
  return absl::OkStatus();
}

// The path (and query) of an absolute or relative location.
std::string PathOf(absl::string_view location) {
  const size_t scheme = location.find("://");
  if (scheme == absl::string_view::npos) return std::string(location);
  const size_t slash = location.find('/', scheme + 3);
  return slash == absl::string_view::npos ? "/" : std::string(location.substr(slash));
}

size_t InputCount(absl::string_view operation) {
  if (operation == "Modules_Get") return 2;
  if (operation == "SolutionPack_GetPublishMessages") return 4;
  return 3;
}

const char* InputMeaning(absl::string_view operation) {
  if (operation == "Modules_Get") return "user, password";
  if (operation == "SolutionPack_GetPublishMessages") {
    return "user, password, publish id, after message id";
  }
  return "user, password, publish id";
}

absl::StatusOr<OperationWire> WsdlIndex::Operation(absl::string_view name) const {
  const Binding* binding = ChooseBinding(name);
  if (binding == nullptr) {
    bool declared = false;
    for (const auto& [port_type, ops] : port_types_) declared |= ops.count(std::string(name)) > 0;
    return Fail(name, declared ? "no SOAP 1.1 or 1.2 binding binds it"
                               : "the WSDL declares no such operation");
  }
  OperationWire wire;
  wire.name = std::string(name);
  wire.version = binding->version;
  wire.action = binding->actions.at(wire.name);
  auto location = locations_.find(binding->name);
  wire.path = location == locations_.end() || location->second.empty() ? kPlatformServicesPath
                                                                       : PathOf(location->second);
  auto port_type = port_types_.find(binding->port_type);
  const auto op = port_type == port_types_.end() ? nullptr : &port_type->second;
  if (op == nullptr || op->count(wire.name) == 0) {
    return Fail(name, absl::StrCat("binding \"", binding->name, "\" names port type \"",
                                   binding->port_type, "\", which does not declare it"));
  }
  const OperationRefs& refs = op->at(wire.name);
  absl::StatusOr<Declared> input = MessageElement(name, refs.input_message);
  if (!input.ok()) return input.status();
  absl::StatusOr<Declared> output = MessageElement(name, refs.output_message);
  if (!output.ok()) return output.status();
  if (absl::Status s = ReadInputs(name, *input, wire); !s.ok()) return s;
  if (wire.inputs.size() != InputCount(name)) {
    return Fail(
        name, absl::StrCat("its request \"", wire.request_element, "\" takes ", wire.inputs.size(),
                           " input(s) (", absl::StrJoin(wire.inputs, ", "), "); osfleet passes ",
                           InputCount(name), " by position (", InputMeaning(name), ")"));
  }
  if (absl::Status s = ReadOutputs(name, *output, wire); !s.ok()) return s;
  return wire;
}

OperationWire Conventional(const std::string& name, std::vector<std::string> inputs,
                           SoapVersion version) {
  OperationWire op;
  op.name = name;
  op.version = version;
  op.action = absl::StrCat(kConventionalNamespace, "/", name);
  op.path = kPlatformServicesPath;
  op.request_element = name;
  op.request_namespace = kConventionalNamespace;
  op.inputs = std::move(inputs);
  op.response_element = name + "Response";
  return op;
}

}  // namespace

std::string SoapVersionName(SoapVersion version) {
  return version == SoapVersion::k11 ? "1.1" : "1.2";
}

Wire ConventionalWire(SoapVersion version) {
  Wire wire;
  wire.source = "conventions";
  wire.modules_get = Conventional("Modules_Get", {"username", "password"}, version);
  wire.modules_get.list_path = {"Modules_GetResult"};
  wire.get_publish_messages =
      Conventional("SolutionPack_GetPublishMessages",
                   {"username", "password", "publishId", "afterMessageId"}, version);
  wire.get_publish_messages.list_path = {"SolutionPack_GetPublishMessagesResult"};
  wire.get_publish_messages.last_id_path = {"lastMessageId"};
  wire.get_publish_messages.finished_path = {"finished"};
  wire.publish_abort =
      Conventional("SolutionPack_PublishAbort", {"username", "password", "publishId"}, version);
  return wire;
}

bool LooksLikeWsdl(absl::string_view text) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size())) return false;
  return Local(doc.document_element()) == "definitions";
}

absl::StatusOr<Wire> ParseWsdl(absl::string_view text, absl::string_view source) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
  if (!parsed) {
    return absl::FailedPreconditionError(absl::StrCat(source, " is not XML (", parsed.description(),
                                                      " at byte ", parsed.offset, ")"));
  }
  const pugi::xml_node root = doc.document_element();
  if (Local(root) != "definitions") {
    return absl::FailedPreconditionError(absl::StrCat(
        source, " is not a WSDL (its root element is <", root.name(), ">, not <definitions>)"));
  }
  const WsdlIndex index(root, std::string(source));
  Wire wire;
  wire.source = std::string(source);
  OperationWire* targets[] = {&wire.modules_get, &wire.get_publish_messages, &wire.publish_abort};
  for (size_t i = 0; i < std::size(kWireOperations); ++i) {
    absl::StatusOr<OperationWire> op = index.Operation(kWireOperations[i]);
    if (!op.ok()) return op.status();
    *targets[i] = *std::move(op);
  }
  return wire;
}

std::string DescribeOperation(const OperationWire& op) {
  std::string reply;
  if (!op.list_path.empty() || !op.item.empty()) {
    absl::StrAppend(&reply, "; list ", op.list_path.empty() ? "." : Joined(op.list_path), "/",
                    op.item.empty() ? "*" : op.item);
  }
  if (!op.last_id_path.empty()) absl::StrAppend(&reply, ", last id ", Joined(op.last_id_path));
  if (!op.finished_path.empty()) absl::StrAppend(&reply, ", finished ", Joined(op.finished_path));
  return absl::StrCat(op.name, ": SOAP ", SoapVersionName(op.version), ", action \"", op.action,
                      "\", ", op.path, ", <", op.request_element, " xmlns=\"", op.request_namespace,
                      "\">(", absl::StrJoin(op.inputs, ", "), ")", reply);
}

}  // namespace osfleet::agent::sc_wire
