// The server.hsconf model: locate and validate the three database sections, and edit
// their address elements by splicing new text into the original bytes, so every other
// byte of the file (BOM, declaration, CRLF, indentation, comments, ...) stays identical.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/model/address.h"
#include "common/model/advanced_settings.h"

namespace osfleet {

inline constexpr size_t kMaxHsconfBytes = 1 << 20;  // 1 MiB; real files are ~4 KiB

enum class DatabaseId { kPlatform = 0, kLogging = 1, kSession = 2 };
inline constexpr std::array<DatabaseId, 3> kAllDatabases = {
    DatabaseId::kPlatform, DatabaseId::kLogging, DatabaseId::kSession};

// "PlatformDatabaseConfiguration", "LoggingDatabaseConfiguration", ...
absl::string_view SectionName(DatabaseId id);
// "platform", "log", "session" (the osctl flag names).
absl::string_view ShortName(DatabaseId id);

enum class DbProvider { kSqlServer, kOracle };
enum class OracleNamingType { kServiceName, kTnsName };

// One address element (<Server>, <Host>, <Port>, <ServiceName>, <TNSName>) and where its
// content lies in the file's bytes.
struct AddressElement {
  std::string name;
  std::string text;        // unescaped text
  bool encrypted = false;  // encrypted="true" (exactly; absent or "false": plaintext)
  // Byte range [content_begin, content_end) of the element's content. For a
  // self-closing element ("<Server />") it is the range of "/>" and the whitespace before
  // it, which an edit replaces with ">text</Server>".
  size_t content_begin = 0;
  size_t content_end = 0;
  bool self_closing = false;
};

// The advanced-settings elements a section may hold: ADO.NET text the platform appends to
// the section's connection strings (Platform: Runtime and Services; Logging: Runtime;
// Session: Session). Every section is searched for all three.
inline constexpr std::array<absl::string_view, 3> kAdvancedSettingsElements = {
    "RuntimeAdvancedSettings", "ServicesAdvancedSettings", "SessionAdvancedSettings"};

// An address keyword in an advanced-settings element, and where its host lies in the file.
struct AdvancedAddress {
  std::string element;     // e.g. "RuntimeAdvancedSettings"
  AddressKeyword keyword;  // its host_begin/host_end count in the element's text
  size_t file_begin = 0;   // the host's bytes in the file (escaped as the file has them)
  size_t file_end = 0;
};

struct DatabaseSection {
  DatabaseId id = DatabaseId::kPlatform;
  DbProvider provider = DbProvider::kSqlServer;
  // The address in osfleet's text form: <Server> text for SQL Server,
  // "host:port/service" or "tns:ALIAS" for Oracle; empty when encrypted.
  std::string address;
  // Parsed forms, when the text parses (a file may hold forms we would not write).
  std::optional<SqlServerAddress> sql_server;
  std::optional<OracleAddress> oracle;
  OracleNamingType oracle_naming = OracleNamingType::kServiceName;
  std::string tns_alias;
  // SQL Server: {Server}. Oracle: {Host, Port, ServiceName, TNSName} as present.
  std::vector<AddressElement> elements;
  std::string catalog;         // SQL Server <Catalog>
  std::string engine_edition;  // SQL Server <SqlEngineEdition>
  bool encrypted = false;      // an address element has encrypted="true"
  bool loopback = false;
  // The address keywords of its advanced-settings elements, in file order.
  std::vector<AdvancedAddress> advanced_addresses;
  // Advanced-settings elements that could not be read (encrypted, not text only, bad
  // quoting), each "<Element> ...: why"; never quoting the element's text.
  std::vector<std::string> advanced_problems;

  const AddressElement* Element(absl::string_view name) const;
  // The host its address names ("" when encrypted or named by TNS alias): what its
  // advanced-settings addresses are compared with.
  std::string Host() const;
};

struct HsconfDocument {
  std::string bytes;
  std::string revision;                       // Sha256Hex(bytes)
  std::array<DatabaseSection, 3> sections;    // indexed by DatabaseId
  std::string deployment_controller_address;  // ServiceConfiguration/CompilerServerHostname
  std::string cache_invalidation_host;        // CacheInvalidationConfiguration/ServiceHost

  const DatabaseSection& section(DatabaseId id) const { return sections[static_cast<size_t>(id)]; }
};

// Parses and validates. FAILED_PRECONDITION, with the byte offset / line where it
// applies, for: larger than kMaxHsconfBytes, not well-formed XML, root other than
// <EnvironmentConfiguration>, a database section missing or duplicated, a ProviderKey
// other than SqlServer/Oracle, an address element missing or duplicated, an address
// element with child elements/comments/CDATA, an address element whose `encrypted`
// attribute is other than exactly "true" or "false" ("TRUE ", "1"), any element with an
// attribute twice. An encrypted address is not an error here (DatabaseSection::encrypted);
// editing it is.
absl::StatusOr<HsconfDocument> ParseHsconf(std::string bytes);

struct EndpointEdit {
  DatabaseId database = DatabaseId::kPlatform;
  std::string address;  // osfleet text form for the section's provider
};

struct FieldChange {
  DatabaseId database = DatabaseId::kPlatform;
  std::string element;
  std::string old_value;
  std::string new_value;
  // Set for an address inside an advanced-settings element: `element` is that element,
  // the values are this keyword's value before and after (never the element's whole text,
  // which may hold a password).
  std::string keyword;
};

struct EditResult {
  std::string bytes;                 // == document.bytes when nothing changes
  std::vector<FieldChange> changes;  // only the elements whose text changes
  std::vector<std::string> warnings;
};

// What one advanced-settings address (or an element that could not be read) means for a
// move of its database, in one line: what `osctl doctor` shows before a rollout.
struct AdvancedSettingsFinding {
  enum class Kind {
    kNamesOwnHost,     // overrides the address with its own host: a move refuses unless
                       // --advanced-settings rewrite|keep
    kNamesOtherHost,   // overrides the address with another host: the platform connects there
    kFailoverPartner,  // names a failover partner elsewhere: reported
    kOverridden,       // a later keyword of the same kind takes effect instead
    kUnreadable,       // the element cannot be read: a move refuses unless keep
  };
  DatabaseId database = DatabaseId::kPlatform;
  Kind kind = Kind::kNamesOwnHost;
  std::string text;  // e.g. "platform database: <RuntimeAdvancedSettings> Server=sql01 ..."
};

// Every advanced-settings address and unreadable element of the file, in section order.
// Never a password (only address keywords are ever read out).
std::vector<AdvancedSettingsFinding> AdvancedSettingsFindings(const HsconfDocument& document);

// What an edit does when an advanced-settings address keyword of a section it moves names
// the host it moves away from (which, left alone, keeps the platform on the old server).
enum class AdvancedSettingsChoice {
  kRefuse,   // FAILED_PRECONDITION naming the element and keyword (the default)
  kRewrite,  // replace that host by the new one inside the element: only its bytes change
  kKeep,     // leave it; say so in a warning
};

// Validates every edit, then splices the (XML-escaped) new texts into the original
// bytes. All-or-nothing: the first bad edit fails the whole call.
// INVALID_ARGUMENT: bad address text, the same database twice. FAILED_PRECONDITION:
// encrypted address, Oracle section named by TNS alias, an address of the wrong
// provider's form; an advanced-settings address naming the old host (kRefuse) or an
// advanced-settings element that cannot be read (unless kKeep). Warnings: a Failover
// Partner naming another host, an override naming another host, what kKeep left. The
// result is re-parsed to prove it is still a valid hsconf.
absl::StatusOr<EditResult> ApplyEdits(
    const HsconfDocument& document, absl::Span<const EndpointEdit> edits,
    AdvancedSettingsChoice advanced = AdvancedSettingsChoice::kRefuse);

}  // namespace osfleet
