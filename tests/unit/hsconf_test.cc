#include "common/hsconf.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/revision.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string ReadFixture(const std::string& name) {
  const std::string path = absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/", name, ".hsconf");
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

HsconfDocument ParseFixture(const std::string& name) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFixture(name));
  EXPECT_TRUE(doc.ok()) << name << ": " << doc.status();
  return doc.ok() ? *std::move(doc) : HsconfDocument{};
}

size_t CountCrlf(std::string_view bytes) {
  size_t count = 0;
  for (size_t at = bytes.find("\r\n"); at != std::string_view::npos;
       at = bytes.find("\r\n", at + 2)) {
    ++count;
  }
  return count;
}

// A small hsconf whose platform <Server> element is given verbatim.
std::string MiniHsconf(const std::string& platform_server, const std::string& extra = "") {
  return absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<EnvironmentConfiguration>\n",
      "  <PlatformDatabaseConfiguration ProviderKey=\"SqlServer\">\n    ", platform_server,
      "\n  </PlatformDatabaseConfiguration>\n", extra,
      "  <LoggingDatabaseConfiguration ProviderKey=\"SqlServer\">\n",
      "    <Server encrypted=\"false\">log01</Server>\n  </LoggingDatabaseConfiguration>\n",
      "  <SessionDatabaseConfiguration ProviderKey=\"SqlServer\">\n",
      "    <Server encrypted=\"false\">sess01</Server>\n  </SessionDatabaseConfiguration>\n",
      "</EnvironmentConfiguration>\n");
}

absl::StatusOr<EditResult> EditOne(const HsconfDocument& doc, DatabaseId id, std::string address) {
  const std::vector<EndpointEdit> edits = {{id, std::move(address)}};
  return ApplyEdits(doc, edits);
}

// ----- Parsing the good fixtures ---------------------------------------------------------

TEST(ParseHsconfTest, SqlServerDeploymentController) {
  HsconfDocument doc = ParseFixture("sqlserver-dc");
  EXPECT_EQ(doc.revision, Sha256Hex(doc.bytes));
  for (DatabaseId id : kAllDatabases) {
    const DatabaseSection& s = doc.section(id);
    EXPECT_EQ(s.provider, DbProvider::kSqlServer);
    EXPECT_EQ(s.address, "SQLPROD01.corp.example.com");
    ASSERT_TRUE(s.sql_server.has_value());
    EXPECT_EQ(s.sql_server->host, "SQLPROD01.corp.example.com");
    EXPECT_EQ(s.engine_edition, "Unknown");
    EXPECT_FALSE(s.encrypted);
    EXPECT_FALSE(s.loopback);
    ASSERT_NE(s.Element("Server"), nullptr);
    EXPECT_EQ(
        doc.bytes.substr(s.Element("Server")->content_begin,
                         s.Element("Server")->content_end - s.Element("Server")->content_begin),
        "SQLPROD01.corp.example.com");
  }
  EXPECT_EQ(doc.section(DatabaseId::kPlatform).catalog, "outsystems");
  EXPECT_EQ(doc.section(DatabaseId::kLogging).catalog, "outsystems_log");
  EXPECT_EQ(doc.section(DatabaseId::kSession).catalog, "osSession");
  EXPECT_EQ(doc.deployment_controller_address, "dc01.corp.example.com");
  EXPECT_EQ(doc.cache_invalidation_host, "dc01.corp.example.com");
}

TEST(ParseHsconfTest, NamedInstanceAndPort) {
  HsconfDocument doc = ParseFixture("sqlserver-fe-named-instance");
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  EXPECT_EQ(platform.address, "SQLPROD01\\OUTSYS");
  ASSERT_TRUE(platform.sql_server.has_value());
  EXPECT_EQ(platform.sql_server->host, "SQLPROD01");
  EXPECT_EQ(platform.sql_server->instance, "OUTSYS");
  EXPECT_EQ(doc.section(DatabaseId::kLogging).address, "SQLLOG01\\OUTSYS");
  const DatabaseSection& session = doc.section(DatabaseId::kSession);
  EXPECT_EQ(session.address, "SQLSESS01,14330");
  ASSERT_TRUE(session.sql_server.has_value());
  EXPECT_EQ(session.sql_server->port, 14330u);
}

TEST(ParseHsconfTest, AzureSql) {
  HsconfDocument doc = ParseFixture("azuresql");
  for (DatabaseId id : kAllDatabases) {
    const DatabaseSection& s = doc.section(id);
    EXPECT_EQ(s.address, "tcp:os-prod.database.windows.net,1433");
    ASSERT_TRUE(s.sql_server.has_value());
    EXPECT_TRUE(s.sql_server->tcp_prefix);
    EXPECT_EQ(s.sql_server->port, 1433u);
    EXPECT_EQ(s.engine_edition, "Azure");
  }
  EXPECT_EQ(doc.deployment_controller_address, "10.20.0.5");
  EXPECT_EQ(doc.cache_invalidation_host, "10.20.0.5");
}

TEST(ParseHsconfTest, OracleServiceName) {
  HsconfDocument doc = ParseFixture("oracle");
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  EXPECT_EQ(platform.provider, DbProvider::kOracle);
  EXPECT_EQ(platform.oracle_naming, OracleNamingType::kServiceName);
  EXPECT_EQ(platform.address, "ora-prod.corp.example.com:1521/OSPROD");
  ASSERT_TRUE(platform.oracle.has_value());
  EXPECT_EQ(platform.oracle->service_name, "OSPROD");
  EXPECT_EQ(platform.elements.size(), 4u);  // Host, Port, ServiceName, TNSName
  const DatabaseSection& session = doc.section(DatabaseId::kSession);
  EXPECT_EQ(session.address, "ora-sess.corp.example.com:1522/OSSESS");
  ASSERT_TRUE(session.oracle.has_value());
  EXPECT_EQ(session.oracle->port, 1522u);
}

TEST(ParseHsconfTest, OracleTnsAlias) {
  HsconfDocument doc = ParseFixture("oracle-tnsname");
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  EXPECT_EQ(platform.oracle_naming, OracleNamingType::kTnsName);
  EXPECT_EQ(platform.tns_alias, "OSPROD_TNS");
  EXPECT_EQ(platform.address, "tns:OSPROD_TNS");
  EXPECT_FALSE(platform.oracle.has_value());
  EXPECT_EQ(doc.section(DatabaseId::kSession).address, "tns:OSSESS_TNS");
}

TEST(ParseHsconfTest, EncryptedAddressParsesButIsMarked) {
  HsconfDocument doc = ParseFixture("bad-encrypted-server");
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  EXPECT_TRUE(platform.encrypted);
  EXPECT_EQ(platform.address, "");
  EXPECT_FALSE(platform.sql_server.has_value());
  EXPECT_FALSE(doc.section(DatabaseId::kLogging).encrypted);
}

// ----- Refusing the bad fixtures ------------------------------------------------------------

TEST(ParseHsconfTest, RefusesBadFixtures) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad-truncated", "is not well-formed XML"},
      {"bad-wrong-root", "root element is <Configuration>"},
      {"bad-missing-session", "has no <SessionDatabaseConfiguration>"},
      {"bad-unknown-provider", "ProviderKey \"MySQL\" is not supported"},
      {"bad-duplicate-server", "SessionDatabaseConfiguration has more than one <Server>"},
  };
  for (const auto& [name, message] : cases) {
    SCOPED_TRACE(name);
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFixture(name));
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr(message));
  }
}

TEST(ParseHsconfTest, NotWellFormedNamesLineAndColumn) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf("<Server>x</Servr>"));
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("not well-formed XML"));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("at line 4, column"));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("(byte "));
}

TEST(ParseHsconfTest, TruncatedFixtureErrorPointsIntoTheFile) {
  const std::string bytes = ReadFixture("bad-truncated");
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()),
              HasSubstr(absl::StrCat("line ", CountCrlf(bytes) + 1)));
}

TEST(ParseHsconfTest, RefusesStructuralProblems) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {MiniHsconf("<Catalog>x</Catalog>"), "PlatformDatabaseConfiguration has no <Server>"},
      {MiniHsconf("<Server>a</Server><Server>b</Server>"), "more than one <Server>"},
      {MiniHsconf("<Server><!-- old -->a</Server>"), "must hold only text"},
      {MiniHsconf("<Server>a<!-- old --></Server>"), "must hold only text"},
      {MiniHsconf("<Server><![CDATA[a]]></Server>"), "must hold only text"},
      {MiniHsconf("<Server><Host>a</Host></Server>"), "must hold only text"},
      {MiniHsconf("<Server>a</Server>",
                  "  <PlatformDatabaseConfiguration ProviderKey=\"SqlServer\">"
                  "<Server>b</Server></PlatformDatabaseConfiguration>\n"),
       "more than one <PlatformDatabaseConfiguration>"},
      {absl::StrReplaceAll(MiniHsconf("<Server>a</Server>"),
                           {{"<PlatformDatabaseConfiguration ProviderKey=\"SqlServer\">",
                             "<PlatformDatabaseConfiguration>"}}),
       "PlatformDatabaseConfiguration has no ProviderKey attribute"},
      {MiniHsconf("<Server>a</Server>") + "<Other/>", "more than one root element"},
      {"", "not well-formed XML"},
  };
  for (const auto& [bytes, message] : cases) {
    SCOPED_TRACE(message);
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes);
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr(message));
  }
}

TEST(ParseHsconfTest, RefusesOversizedFiles) {
  std::string bytes = MiniHsconf("<Server>a</Server>");
  bytes.append(kMaxHsconfBytes, ' ');
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("-byte limit"));
}

TEST(ParseHsconfTest, OracleNamingProblems) {
  std::string bytes = ReadFixture("oracle");
  std::string unknown =
      absl::StrReplaceAll(bytes, {{">Service Name</NamingType>", ">Easy Connect</NamingType>"}});
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(unknown);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("\"Easy Connect\" is not supported"));

  std::string no_host = absl::StrReplaceAll(
      bytes, {{"<Host encrypted=\"false\">ora-sess.corp.example.com</Host>", ""}});
  doc = ParseHsconf(no_host);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()),
              HasSubstr("SessionDatabaseConfiguration has no <Host>"));
}

TEST(ParseHsconfTest, LoopbackAndUnparsedAddresses) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf("<Server>localhost,1433</Server>"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->section(DatabaseId::kPlatform).loopback);
  EXPECT_FALSE(doc->section(DatabaseId::kLogging).loopback);

  doc = ParseHsconf(MiniHsconf("<Server>(local)\\SQLEXPRESS</Server>"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  const DatabaseSection& platform = doc->section(DatabaseId::kPlatform);
  EXPECT_EQ(platform.address, "(local)\\SQLEXPRESS");  // what the file has
  EXPECT_FALSE(platform.sql_server.has_value());       // not a form we would write
  EXPECT_TRUE(platform.loopback);
}

TEST(ParseHsconfTest, TextIsUnescapedAndRangeIsRaw) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf("<Server>sql&#48;1</Server>"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  const AddressElement* server = doc->section(DatabaseId::kPlatform).Element("Server");
  EXPECT_EQ(server->text, "sql01");
  EXPECT_EQ(doc->bytes.substr(server->content_begin, server->content_end - server->content_begin),
            "sql&#48;1");
  // Same text: nothing changes, not even the character reference.
  absl::StatusOr<EditResult> edit = EditOne(*doc, DatabaseId::kPlatform, "sql01");
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_TRUE(edit->changes.empty());
  EXPECT_EQ(edit->bytes, doc->bytes);
}

// ----- Editing: only the address bytes change ------------------------------------------------

struct ChangedRange {
  size_t begin;
  size_t end;
  std::string replacement;
};

// Proves `after` equals `before` outside the given ranges, and holds the replacements inside.
void ExpectOnlyRangesChanged(const std::string& before, const std::string& after,
                             std::vector<ChangedRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ChangedRange& a, const ChangedRange& b) { return a.begin < b.begin; });
  ptrdiff_t shift = 0;
  size_t previous_end = 0;
  for (const ChangedRange& range : ranges) {
    const size_t gap = range.begin - previous_end;
    ASSERT_EQ(after.substr(previous_end + shift, gap), before.substr(previous_end, gap))
        << "bytes before offset " << range.begin << " differ";
    EXPECT_EQ(after.substr(range.begin + shift, range.replacement.size()), range.replacement);
    shift += static_cast<ptrdiff_t>(range.replacement.size()) -
             static_cast<ptrdiff_t>(range.end - range.begin);
    previous_end = range.end;
  }
  EXPECT_EQ(after.substr(previous_end + shift), before.substr(previous_end))
      << "bytes after the last changed range differ";
  EXPECT_EQ(static_cast<ptrdiff_t>(after.size()), static_cast<ptrdiff_t>(before.size()) + shift);
}

std::string NewAddressFor(const DatabaseSection& section) {
  if (section.provider == DbProvider::kSqlServer) return "tcp:sqlnew.corp.example.com,1444";
  return "ora-new.corp.example.com:1600/NEWSVC";
}

void CheckEditAndRevert(const HsconfDocument& doc, DatabaseId id) {
  const DatabaseSection& section = doc.section(id);
  const std::string new_address = NewAddressFor(section);
  absl::StatusOr<EditResult> edit = EditOne(doc, id, new_address);
  ASSERT_TRUE(edit.ok()) << edit.status();
  ASSERT_FALSE(edit->changes.empty());
  std::vector<ChangedRange> ranges;
  for (const FieldChange& change : edit->changes) {
    EXPECT_EQ(change.database, id);
    const AddressElement* element = section.Element(change.element);
    ASSERT_NE(element, nullptr) << change.element;
    EXPECT_EQ(change.old_value, element->text);
    ranges.push_back({element->content_begin, element->content_end, change.new_value});
  }
  ExpectOnlyRangesChanged(doc.bytes, edit->bytes, ranges);
  EXPECT_EQ(edit->bytes.substr(0, 3) == kBom, doc.bytes.substr(0, 3) == kBom);
  EXPECT_EQ(CountCrlf(edit->bytes), CountCrlf(doc.bytes));
  EXPECT_TRUE(edit->warnings.empty());

  absl::StatusOr<HsconfDocument> edited = ParseHsconf(edit->bytes);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->section(id).address, new_address);
  for (DatabaseId other : kAllDatabases) {
    if (other != id) {
      EXPECT_EQ(edited->section(other).address, doc.section(other).address);
    }
  }
  absl::StatusOr<EditResult> revert = EditOne(*edited, id, section.address);
  ASSERT_TRUE(revert.ok()) << revert.status();
  EXPECT_EQ(revert->bytes, doc.bytes) << "reverting did not restore the original bytes";
}

TEST(ApplyEditsTest, EveryGoodFixtureChangesOnlyAddressBytes) {
  int edited_sections = 0;
  for (const char* name :
       {"sqlserver-dc", "sqlserver-fe-named-instance", "azuresql", "oracle", "oracle-tnsname"}) {
    const HsconfDocument doc = ParseFixture(name);
    for (DatabaseId id : kAllDatabases) {
      const DatabaseSection& section = doc.section(id);
      if (section.oracle_naming == OracleNamingType::kTnsName &&
          section.provider == DbProvider::kOracle) {
        continue;
      }
      SCOPED_TRACE(std::string(name) + " " + std::string(ShortName(id)));
      CheckEditAndRevert(doc, id);
      ++edited_sections;
    }
  }
  EXPECT_EQ(edited_sections, 12);
}

TEST(ApplyEditsTest, AllThreeSectionsAtOnceKeepBomAndCrlf) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  ASSERT_EQ(doc.bytes.substr(0, 3), kBom);
  const size_t crlf = CountCrlf(doc.bytes);
  ASSERT_GT(crlf, 50u);
  const std::vector<EndpointEdit> edits = {{DatabaseId::kSession, "sess02,1500"},
                                           {DatabaseId::kPlatform, "plat02\\OUTSYS"},
                                           {DatabaseId::kLogging, "log02"}};
  absl::StatusOr<EditResult> edit = ApplyEdits(doc, edits);
  ASSERT_TRUE(edit.ok()) << edit.status();
  ASSERT_EQ(edit->changes.size(), 3u);
  EXPECT_EQ(edit->bytes.substr(0, 3), kBom);
  EXPECT_EQ(CountCrlf(edit->bytes), crlf);
  std::vector<ChangedRange> ranges;
  for (const FieldChange& change : edit->changes) {
    const AddressElement* element = doc.section(change.database).Element("Server");
    ranges.push_back({element->content_begin, element->content_end, change.new_value});
  }
  ExpectOnlyRangesChanged(doc.bytes, edit->bytes, ranges);
}

TEST(ApplyEditsTest, NoOpEditKeepsBytes) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit =
      EditOne(doc, DatabaseId::kPlatform, "SQLPROD01.corp.example.com");
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_TRUE(edit->changes.empty());
  EXPECT_EQ(edit->bytes, doc.bytes);

  const HsconfDocument oracle = ParseFixture("oracle");
  edit = EditOne(oracle, DatabaseId::kPlatform, "ora-prod.corp.example.com/OSPROD");
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_TRUE(edit->changes.empty());
  EXPECT_EQ(edit->bytes, oracle.bytes);

  edit = ApplyEdits(doc, {});
  ASSERT_TRUE(edit.ok());
  EXPECT_EQ(edit->bytes, doc.bytes);
}

TEST(ApplyEditsTest, OracleChangesOnlyTheFieldsThatDiffer) {
  const HsconfDocument doc = ParseFixture("oracle");
  absl::StatusOr<EditResult> edit =
      EditOne(doc, DatabaseId::kSession, "ora-sess.corp.example.com:1600/OSSESS");
  ASSERT_TRUE(edit.ok()) << edit.status();
  ASSERT_EQ(edit->changes.size(), 1u);
  EXPECT_EQ(edit->changes[0].element, "Port");
  EXPECT_EQ(edit->changes[0].old_value, "1522");
  EXPECT_EQ(edit->changes[0].new_value, "1600");
}

TEST(ApplyEditsTest, SqlServerTextIsWrittenInCanonicalForm) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "TCP:[2001:db8::5],1433");
  ASSERT_TRUE(edit.ok()) << edit.status();
  ASSERT_EQ(edit->changes.size(), 1u);
  EXPECT_EQ(edit->changes[0].new_value, "tcp:2001:db8::5,1433");
  EXPECT_THAT(edit->bytes, HasSubstr("<Server encrypted=\"false\">tcp:2001:db8::5,1433</Server>"));
}

TEST(ApplyEditsTest, SelfClosingAndEmptyElements) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"<Server />", "<Server>new01</Server>"},
      {"<Server/>", "<Server>new01</Server>"},
      {"<Server encrypted=\"false\"  />", "<Server encrypted=\"false\">new01</Server>"},
      {"<Server\r\n  encrypted='false'/>", "<Server\r\n  encrypted='false'>new01</Server>"},
      {"<Server></Server>", "<Server>new01</Server>"},
      {"<Server encrypted=\"false\"></Server >", "<Server encrypted=\"false\">new01</Server >"},
      {"<Server note=\"a>b/>\" >old</Server>", "<Server note=\"a>b/>\" >new01</Server>"},
      {"<Server>  </Server>", "<Server>new01</Server>"},
  };
  for (const auto& [before, after] : cases) {
    SCOPED_TRACE(before);
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf(before));
    ASSERT_TRUE(doc.ok()) << doc.status();
    absl::StatusOr<EditResult> edit = EditOne(*doc, DatabaseId::kPlatform, "new01");
    ASSERT_TRUE(edit.ok()) << edit.status();
    EXPECT_EQ(edit->bytes, MiniHsconf(after));
    ASSERT_EQ(edit->changes.size(), 1u);
    EXPECT_EQ(edit->changes[0].new_value, "new01");
  }
}

TEST(ApplyEditsTest, CommentsEntitiesAndCdataElsewhereStayIdentical) {
  const std::string extra =
      "  <!-- keep me: <Server>not this</Server> &amp; -->\n"
      "  <OtherConfigurations>\n"
      "    <Note>a &amp; b &lt;c&gt; &#233;</Note>\n"
      "    <Raw><![CDATA[<Server>also not this</Server>]]></Raw>\n"
      "    <Empty   />\n"
      "    <Quoted attr='x \"y\"' other=\"&apos;\"/>\n"
      "  </OtherConfigurations>\n";
  absl::StatusOr<HsconfDocument> doc =
      ParseHsconf(MiniHsconf("<Server encrypted=\"false\">old01</Server>", extra));
  ASSERT_TRUE(doc.ok()) << doc.status();
  absl::StatusOr<EditResult> edit = EditOne(*doc, DatabaseId::kPlatform, "new01");
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_EQ(edit->bytes, MiniHsconf("<Server encrypted=\"false\">new01</Server>", extra));
}

// ----- Editing: refusals --------------------------------------------------------------------

TEST(ApplyEditsTest, EncryptedAddressIsRefusedButOtherSectionsWork) {
  const HsconfDocument doc = ParseFixture("bad-encrypted-server");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "sqlnew");
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("encrypted"));

  edit = EditOne(doc, DatabaseId::kLogging, "sqlnew");
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_EQ(edit->changes.size(), 1u);
}

TEST(ApplyEditsTest, TnsAliasIsRefused) {
  const HsconfDocument doc = ParseFixture("oracle-tnsname");
  absl::StatusOr<EditResult> edit =
      EditOne(doc, DatabaseId::kPlatform, "ora-new.corp.example.com:1521/OSPROD");
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("tnsnames.ora"));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("OSPROD_TNS"));
}

TEST(ApplyEditsTest, WrongProviderFormIsRefused) {
  const HsconfDocument sql = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(sql, DatabaseId::kPlatform, "ora:1521/OSPROD");
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("is an Oracle address"));

  const HsconfDocument oracle = ParseFixture("oracle");
  for (const char* address : {"sqlprod01\\OUTSYS", "tns:OSPROD_TNS"}) {
    edit = EditOne(oracle, DatabaseId::kPlatform, address);
    ASSERT_FALSE(edit.ok()) << address;
    EXPECT_EQ(edit.status().code(), absl::StatusCode::kFailedPrecondition) << address;
  }
}

TEST(ApplyEditsTest, BadAddressIsInvalidArgument) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kSession, "sql<prod");
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("session database"));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("'<' at position 4"));
}

TEST(ApplyEditsTest, AllOrNothing) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  const std::vector<EndpointEdit> one_bad = {{DatabaseId::kPlatform, "good01"},
                                             {DatabaseId::kLogging, "bad host"}};
  absl::StatusOr<EditResult> edit = ApplyEdits(doc, one_bad);
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kInvalidArgument);

  const std::vector<EndpointEdit> twice = {{DatabaseId::kPlatform, "good01"},
                                           {DatabaseId::kPlatform, "good02"}};
  edit = ApplyEdits(doc, twice);
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("more than once"));
}

TEST(ApplyEditsTest, LoopbackWarns) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "localhost,1433");
  ASSERT_TRUE(edit.ok()) << edit.status();
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("localhost,1433 is a loopback address"));

  const HsconfDocument oracle = ParseFixture("oracle");
  edit = EditOne(oracle, DatabaseId::kLogging, "127.0.0.1:1521/XE");
  ASSERT_TRUE(edit.ok()) << edit.status();
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("log database"));
}

TEST(NamesTest, SectionAndShortNames) {
  EXPECT_EQ(SectionName(DatabaseId::kPlatform), "PlatformDatabaseConfiguration");
  EXPECT_EQ(SectionName(DatabaseId::kLogging), "LoggingDatabaseConfiguration");
  EXPECT_EQ(SectionName(DatabaseId::kSession), "SessionDatabaseConfiguration");
  EXPECT_EQ(ShortName(DatabaseId::kPlatform), "platform");
  EXPECT_EQ(ShortName(DatabaseId::kLogging), "log");
  EXPECT_EQ(ShortName(DatabaseId::kSession), "session");
}

}  // namespace
}  // namespace osfleet
