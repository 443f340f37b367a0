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
#include "common/address.h"

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

  const AddressElement* Element(absl::string_view name) const;
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
};

struct EditResult {
  std::string bytes;                 // == document.bytes when nothing changes
  std::vector<FieldChange> changes;  // only the elements whose text changes
  std::vector<std::string> warnings;
};

// Validates every edit, then splices the (XML-escaped) new texts into the original
// bytes. All-or-nothing: the first bad edit fails the whole call.
// INVALID_ARGUMENT: bad address text, the same database twice. FAILED_PRECONDITION:
// encrypted address, Oracle section named by TNS alias, an address of the wrong
// provider's form. The result is re-parsed to prove it is still a valid hsconf.
absl::StatusOr<EditResult> ApplyEdits(const HsconfDocument& document,
                                      absl::Span<const EndpointEdit> edits);

}  // namespace osfleet
