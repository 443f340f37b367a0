#include "common/model/hsconf.h"

#include <algorithm>
#include <cstring>
#include <pugixml.hpp>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/model/hsconf_internal.h"
#include "common/model/revision.h"
#include "common/text/escape.h"
#include "common/text/xml_text.h"

namespace osfleet {
namespace {

// Whitespace-only text is kept when it is an element's only content, so an address element
// holding "  " reports that text rather than "".
constexpr unsigned kParseOptions =
    pugi::parse_default | pugi::parse_ws_pcdata_single | pugi::parse_comments;
constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr absl::string_view kRootName = "EnvironmentConfiguration";

// "line L, column C (byte B)"; columns count bytes, not counting a BOM on line 1.
std::string Where(absl::string_view bytes, size_t offset) {
  offset = std::min(offset, bytes.size());
  const absl::string_view before = bytes.substr(0, offset);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t newline = before.rfind('\n');
  size_t column = newline == absl::string_view::npos ? offset + 1 : offset - newline;
  if (line == 1 && absl::StartsWith(bytes, kUtf8Bom) && column > kUtf8Bom.size()) {
    column -= kUtf8Bom.size();
  }
  return absl::StrCat("line ", line, ", column ", column, " (byte ", offset, ")");
}

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Byte offset of the '<' that starts an element, checked against the original bytes.
absl::StatusOr<size_t> ElementStart(absl::string_view bytes, pugi::xml_node node) {
  const absl::string_view name = node.name();
  const ptrdiff_t name_at = node.offset_debug();
  const size_t at = name_at < 1 ? 0 : static_cast<size_t>(name_at);
  if (at < 1 || at + name.size() >= bytes.size() || bytes[at - 1] != '<' ||
      bytes.substr(at, name.size()) != name ||
      !absl::StrContains(" \t\r\n/>", bytes[at + name.size()])) {
    return absl::InternalError(absl::StrCat("cannot locate <", name, "> in the file's bytes (",
                                            "parser offset ", name_at, ")"));
  }
  return at - 1;
}

struct StartTag {
  size_t close = 0;       // offset of the '>' ending the start tag
  size_t tail_begin = 0;  // just after the last attribute (or the name)
  bool self_closing = false;
};

// Scans a start tag from just after the element name; quoted values may hold '>'.
absl::StatusOr<StartTag> ScanStartTag(absl::string_view bytes, size_t from) {
  StartTag tag;
  tag.tail_begin = from;
  for (size_t i = from; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '"' || c == '\'') {
      i = bytes.find(c, i + 1);
      if (i == absl::string_view::npos) break;
      tag.tail_begin = i + 1;
    } else if (c == '>') {
      tag.close = i;
      return tag;
    } else if (c == '/' && i + 1 < bytes.size() && bytes[i + 1] == '>') {
      tag.close = i + 1;
      tag.self_closing = true;
      return tag;
    } else if (!IsXmlSpace(c)) {
      tag.tail_begin = i + 1;
    }
  }
  return absl::InternalError(absl::StrCat("unterminated start tag at ", Where(bytes, from)));
}

// True when bytes at `at` are "</name" + optional whitespace + ">".
bool IsEndTag(absl::string_view bytes, size_t at, absl::string_view name) {
  if (bytes.substr(at, 2) != "</" || bytes.substr(at + 2, name.size()) != name) return false;
  size_t i = at + 2 + name.size();
  while (i < bytes.size() && IsXmlSpace(bytes[i])) ++i;
  return i < bytes.size() && bytes[i] == '>';
}

absl::Status LocateContent(absl::string_view bytes, pugi::xml_node node, absl::string_view section,
                           AddressElement* element) {
  absl::StatusOr<size_t> start = ElementStart(bytes, node);
  if (!start.ok()) return start.status();
  absl::StatusOr<StartTag> tag = ScanStartTag(bytes, *start + 1 + element->name.size());
  if (!tag.ok()) return tag.status();
  if (tag->self_closing) {
    element->content_begin = tag->tail_begin;
    element->content_end = tag->close + 1;
    element->self_closing = true;
    return absl::OkStatus();
  }
  const size_t begin = tag->close + 1;
  const size_t end = bytes.find('<', begin);
  if (end == absl::string_view::npos || !IsEndTag(bytes, end, element->name)) {
    return absl::FailedPreconditionError(
        absl::StrCat(section, ": <", element->name, "> at ", Where(bytes, *start),
                     " must hold only text, not child elements, comments or CDATA"));
  }
  element->content_begin = begin;
  element->content_end = end;
  return absl::OkStatus();
}

// Where an element starts, for messages ("line L, column C (byte B)").
std::string WhereIs(absl::string_view bytes, pugi::xml_node node) {
  const ptrdiff_t at = node.offset_debug();
  return Where(bytes, at > 0 ? static_cast<size_t>(at - 1) : 0);
}

// encrypted="true" or "false" exactly, as OutSystems writes it; absent: plaintext.
// Anything else ("TRUE ", "1", "yes") is refused rather than guessed at: taken for
// plaintext, an encrypted value would be overwritten. (A second encrypted attribute is
// refused with every repeated attribute, by CheckNoRepeatedAttribute.)
absl::StatusOr<bool> ReadEncrypted(absl::string_view bytes, pugi::xml_node node,
                                   absl::string_view section) {
  const pugi::xml_attribute attribute = node.attribute("encrypted");
  if (!attribute) return false;
  const absl::string_view value = attribute.value();
  if (value == "true") return true;
  if (value == "false") return false;
  return absl::FailedPreconditionError(absl::StrCat(
      section, ": <", node.name(), "> at ", WhereIs(bytes, node), ": encrypted=", Quote(value),
      " is neither \"true\" nor \"false\" (lower case, no spaces)"));
}

absl::StatusOr<AddressElement> ReadAddressElement(absl::string_view bytes, pugi::xml_node node,
                                                  absl::string_view section) {
  AddressElement element;
  element.name = node.name();
  element.text = node.child_value();
  absl::StatusOr<bool> encrypted = ReadEncrypted(bytes, node, section);
  if (!encrypted.ok()) return encrypted.status();
  element.encrypted = *encrypted;
  if (absl::Status s = LocateContent(bytes, node, section, &element); !s.ok()) return s;
  return element;
}

// XML forbids an attribute twice in one element (.NET refuses such a file); pugixml keeps
// both and answers with the first. Refused anywhere in the file. Iterative: a file may
// nest elements deeper than a stack allows.
absl::Status CheckNoRepeatedAttribute(absl::string_view bytes, pugi::xml_node root) {
  std::vector<absl::string_view> names;
  pugi::xml_node node = root;
  while (node) {
    names.clear();
    for (pugi::xml_attribute a : node.attributes()) names.emplace_back(a.name());
    std::sort(names.begin(), names.end());
    const auto twice = std::adjacent_find(names.begin(), names.end());
    if (twice != names.end()) {
      return absl::FailedPreconditionError(absl::StrCat("<", node.name(), "> at ",
                                                        WhereIs(bytes, node), " has the ", *twice,
                                                        " attribute more than once"));
    }
    if (node.first_child()) {
      node = node.first_child();
      continue;
    }
    while (node != root && !node.next_sibling()) node = node.parent();
    if (node == root) break;
    node = node.next_sibling();
  }
  return absl::OkStatus();
}

absl::StatusOr<pugi::xml_node> FindUnique(absl::string_view bytes, pugi::xml_node parent,
                                          absl::string_view name, bool required) {
  pugi::xml_node found;
  for (pugi::xml_node child : parent.children()) {
    if (child.type() != pugi::node_element || child.name() != name) continue;
    if (found) {
      const ptrdiff_t at = child.offset_debug();
      return absl::FailedPreconditionError(
          absl::StrCat(parent.name(), " has more than one <", name, "> (another at ",
                       Where(bytes, at > 0 ? static_cast<size_t>(at - 1) : 0), ")"));
    }
    found = child;
  }
  if (!found && required) {
    return absl::FailedPreconditionError(absl::StrCat(parent.name(), " has no <", name, ">"));
  }
  return found;
}

absl::StatusOr<DbProvider> ReadProvider(pugi::xml_node section) {
  const pugi::xml_attribute key = section.attribute("ProviderKey");
  if (!key) {
    return absl::FailedPreconditionError(
        absl::StrCat(section.name(), " has no ProviderKey attribute"));
  }
  const absl::string_view value = key.value();
  if (value == "SqlServer") return DbProvider::kSqlServer;
  if (value == "Oracle") return DbProvider::kOracle;
  return absl::FailedPreconditionError(absl::StrCat(section.name(), ": ProviderKey ", Quote(value),
                                                    " is not supported (SqlServer or Oracle)"));
}

// The host of a SQL Server address that does not parse strictly, for loopback detection.
absl::Status FillSqlServer(absl::string_view bytes, pugi::xml_node node, DatabaseSection* section) {
  absl::StatusOr<pugi::xml_node> server = FindUnique(bytes, node, "Server", true);
  if (!server.ok()) return server.status();
  absl::StatusOr<AddressElement> element = ReadAddressElement(bytes, *server, node.name());
  if (!element.ok()) return element.status();
  section->catalog = node.child("Catalog").child_value();
  section->engine_edition = node.child("SqlEngineEdition").child_value();
  section->encrypted = element->encrypted;
  section->elements.push_back(*std::move(element));
  if (section->encrypted) return absl::OkStatus();
  section->address = section->elements.back().text;
  absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(section->address);
  if (parsed.ok()) section->sql_server = *parsed;
  section->loopback = IsLoopbackHost(parsed.ok() ? absl::string_view(parsed->host)
                                                 : LooseSqlServerHost(section->address));
  return absl::OkStatus();
}

absl::StatusOr<OracleNamingType> ReadNaming(absl::string_view bytes, pugi::xml_node node,
                                            DatabaseId id) {
  const char* primary = id == DatabaseId::kSession ? "IdType" : "NamingType";
  const char* other = id == DatabaseId::kSession ? "NamingType" : "IdType";
  absl::StatusOr<pugi::xml_node> naming = FindUnique(bytes, node, primary, false);
  if (naming.ok() && !*naming) naming = FindUnique(bytes, node, other, false);
  if (!naming.ok()) return naming.status();
  if (!*naming) {
    return absl::FailedPreconditionError(absl::StrCat(node.name(), " has no <", primary, ">"));
  }
  const absl::string_view value = naming->child_value();
  if (value == "Service Name") return OracleNamingType::kServiceName;
  if (value == "TNS Name") return OracleNamingType::kTnsName;
  return absl::FailedPreconditionError(
      absl::StrCat(node.name(), ": <", naming->name(), "> ", Quote(value),
                   " is not supported (Service Name or TNS Name)"));
}

absl::Status ReadOracleElements(absl::string_view bytes, pugi::xml_node node,
                                DatabaseSection* section) {
  const bool tns = section->oracle_naming == OracleNamingType::kTnsName;
  for (const char* name : {"Host", "Port", "ServiceName", "TNSName"}) {
    const bool required = tns == (std::strcmp(name, "TNSName") == 0);
    absl::StatusOr<pugi::xml_node> child = FindUnique(bytes, node, name, required);
    if (!child.ok()) return child.status();
    if (!*child) continue;
    absl::StatusOr<AddressElement> element = ReadAddressElement(bytes, *child, node.name());
    if (!element.ok()) return element.status();
    section->encrypted = section->encrypted || element->encrypted;
    section->elements.push_back(*std::move(element));
  }
  return absl::OkStatus();
}

// "host:port/service" from the Host, Port and ServiceName texts, parsed when it is valid.
void SetOracleServiceAddress(DatabaseSection* section) {
  const std::string host = section->Element("Host")->text;
  const std::string port = section->Element("Port")->text;
  const std::string service = section->Element("ServiceName")->text;
  const bool v6 = host.find(':') != std::string::npos;
  section->address = absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port, "/", service);
  section->loopback = IsLoopbackHost(host);
  absl::StatusOr<OracleAddress> parsed = ParseOracleAddress(section->address);
  if (parsed.ok() && parsed->host == host && absl::StrCat(parsed->port) == port &&
      parsed->service_name == service) {
    section->oracle = *parsed;
  }
}

absl::Status FillOracle(absl::string_view bytes, pugi::xml_node node, DatabaseSection* section) {
  absl::StatusOr<OracleNamingType> naming = ReadNaming(bytes, node, section->id);
  if (!naming.ok()) return naming.status();
  section->oracle_naming = *naming;
  if (absl::Status s = ReadOracleElements(bytes, node, section); !s.ok()) return s;
  if (section->encrypted) return absl::OkStatus();
  if (section->oracle_naming == OracleNamingType::kTnsName) {
    section->tns_alias = section->Element("TNSName")->text;
    section->address = absl::StrCat("tns:", section->tns_alias);
    return absl::OkStatus();
  }
  SetOracleServiceAddress(section);
  return absl::OkStatus();
}

// One advanced-settings element's address keywords, with their hosts' offsets in the file.
absl::StatusOr<std::vector<AdvancedAddress>> ReadAdvancedElement(absl::string_view bytes,
                                                                 pugi::xml_node node,
                                                                 DbProvider provider) {
  const std::string where = absl::StrCat("<", node.name(), "> at ", WhereIs(bytes, node));
  absl::StatusOr<AddressElement> element = ReadAddressElement(bytes, node, node.parent().name());
  if (!element.ok()) return element.status();
  if (element->encrypted) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, " is encrypted: its address keywords cannot be read"));
  }
  const absl::string_view raw =
      element->self_closing
          ? absl::string_view()
          : bytes.substr(element->content_begin, element->content_end - element->content_begin);
  absl::StatusOr<XmlText> text = UnescapeXmlText(raw);
  if (!text.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": ", text.status().message()));
  }
  absl::StatusOr<std::vector<ConnectionPair>> pairs = ParseConnectionString(text->text);
  if (!pairs.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": its text is not an ADO.NET connection string: ", pairs.status().message(),
        " (counting in the text as read, entities as one)"));
  }
  std::vector<AdvancedAddress> out;
  const ConnectionDialect dialect =
      provider == DbProvider::kOracle ? ConnectionDialect::kOracle : ConnectionDialect::kSqlServer;
  for (AddressKeyword& k : FindAddressKeywords(text->text, *pairs, dialect)) {
    AdvancedAddress a{node.name(), std::move(k)};
    a.file_begin = element->content_begin + text->raw_offset[a.keyword.host_begin];
    a.file_end = element->content_begin + text->raw_offset[a.keyword.host_end];
    out.push_back(std::move(a));
  }
  return out;
}

// Reads every advanced-settings element of a section. An element that cannot be read is a
// problem of that element (reported, and refused by an edit of the section unless kept),
// not of the file: the rest of the file stays usable.
void ReadAdvancedSettings(absl::string_view bytes, pugi::xml_node node, DatabaseSection* section) {
  for (absl::string_view name : kAdvancedSettingsElements) {
    absl::StatusOr<pugi::xml_node> child = FindUnique(bytes, node, name, false);
    if (child.ok() && !*child) continue;
    absl::StatusOr<std::vector<AdvancedAddress>> found =
        child.ok() ? ReadAdvancedElement(bytes, *child, section->provider)
                   : absl::StatusOr<std::vector<AdvancedAddress>>(child.status());
    if (!found.ok()) {
      section->advanced_problems.emplace_back(found.status().message());
      continue;
    }
    for (AdvancedAddress& a : *found) section->advanced_addresses.push_back(std::move(a));
  }
}

absl::StatusOr<DatabaseSection> ReadSection(absl::string_view bytes, pugi::xml_node root,
                                            DatabaseId id) {
  absl::StatusOr<pugi::xml_node> node = FindUnique(bytes, root, SectionName(id), true);
  if (!node.ok()) return node.status();
  absl::StatusOr<DbProvider> provider = ReadProvider(*node);
  if (!provider.ok()) return provider.status();
  DatabaseSection section;
  section.id = id;
  section.provider = *provider;
  const absl::Status filled = section.provider == DbProvider::kSqlServer
                                  ? FillSqlServer(bytes, *node, &section)
                                  : FillOracle(bytes, *node, &section);
  if (!filled.ok()) return filled;
  ReadAdvancedSettings(bytes, *node, &section);
  return section;
}

absl::StatusOr<pugi::xml_node> CheckRoot(absl::string_view bytes, const pugi::xml_document& doc) {
  pugi::xml_node root;
  for (pugi::xml_node child : doc.children()) {
    if (child.type() != pugi::node_element) continue;
    if (root) {
      return absl::FailedPreconditionError(
          absl::StrCat("server.hsconf has more than one root element (<", child.name(), "> after <",
                       root.name(), ">)"));
    }
    root = child;
  }
  if (root.name() != kRootName) {
    return absl::FailedPreconditionError(absl::StrCat(
        "server.hsconf: the root element is <", root.name(), ">, expected <", kRootName, ">"));
  }
  return root;
}

absl::Status LoadXml(absl::string_view bytes, pugi::xml_document* doc) {
  // Forcing UTF-8 keeps the parser's offsets equal to byte offsets in the file.
  const pugi::xml_parse_result result =
      doc->load_buffer(bytes.data(), bytes.size(), kParseOptions, pugi::encoding_utf8);
  if (result) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("server.hsconf is not well-formed XML: ", result.description(), " at ",
                   Where(bytes, static_cast<size_t>(std::max<ptrdiff_t>(result.offset, 0)))));
}

}  // namespace

std::string Quote(absl::string_view text) { return QuotedEscaped(text); }

absl::string_view LooseSqlServerHost(absl::string_view text) {
  if (text.size() >= 4 && absl::EqualsIgnoreCase(text.substr(0, 4), "tcp:")) text.remove_prefix(4);
  text = text.substr(0, text.find('\\'));
  if (!absl::StartsWith(text, "[")) return text.substr(0, text.rfind(','));
  return text.substr(1, text.find(']') - 1);
}

absl::string_view SectionName(DatabaseId id) {
  switch (id) {
    case DatabaseId::kPlatform:
      return "PlatformDatabaseConfiguration";
    case DatabaseId::kLogging:
      return "LoggingDatabaseConfiguration";
    case DatabaseId::kSession:
      return "SessionDatabaseConfiguration";
  }
  return "UnknownDatabaseConfiguration";
}

absl::string_view ShortName(DatabaseId id) {
  switch (id) {
    case DatabaseId::kPlatform:
      return "platform";
    case DatabaseId::kLogging:
      return "log";
    case DatabaseId::kSession:
      return "session";
  }
  return "unknown";
}

const AddressElement* DatabaseSection::Element(absl::string_view name) const {
  for (const AddressElement& element : elements) {
    if (element.name == name) return &element;
  }
  return nullptr;
}

std::string DatabaseSection::Host() const {
  if (encrypted) return "";
  if (provider == DbProvider::kSqlServer) {
    return sql_server.has_value() ? sql_server->host : std::string(LooseSqlServerHost(address));
  }
  if (oracle_naming == OracleNamingType::kTnsName) return "";
  const AddressElement* host = Element("Host");
  return host == nullptr ? "" : host->text;
}

absl::StatusOr<HsconfDocument> ParseHsconf(std::string bytes) {
  if (bytes.size() > kMaxHsconfBytes) {
    return absl::FailedPreconditionError(absl::StrCat("server.hsconf is ", bytes.size(),
                                                      " bytes, more than the ", kMaxHsconfBytes,
                                                      "-byte limit"));
  }
  pugi::xml_document doc;
  if (absl::Status s = LoadXml(bytes, &doc); !s.ok()) return s;
  absl::StatusOr<pugi::xml_node> root = CheckRoot(bytes, doc);
  if (!root.ok()) return root.status();
  if (absl::Status s = CheckNoRepeatedAttribute(bytes, *root); !s.ok()) return s;
  HsconfDocument document;
  for (DatabaseId id : kAllDatabases) {
    absl::StatusOr<DatabaseSection> section = ReadSection(bytes, *root, id);
    if (!section.ok()) return section.status();
    document.sections[static_cast<size_t>(id)] = *std::move(section);
  }
  document.deployment_controller_address =
      root->child("ServiceConfiguration").child("CompilerServerHostname").child_value();
  document.cache_invalidation_host =
      root->child("CacheInvalidationConfiguration").child("ServiceHost").child_value();
  document.revision = Sha256Hex(bytes);
  document.bytes = std::move(bytes);
  return document;
}

}  // namespace osfleet
