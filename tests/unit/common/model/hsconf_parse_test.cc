#include "tests/support/status_matchers.h"
#include "tests/unit/common/model/hsconf_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using namespace hsconf_test;  // NOLINT

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
    EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr(message));
  }
}

TEST(ParseHsconfTest, NotWellFormedNamesLineAndColumn) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf("<Server>x</Servr>"));
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition));
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
    EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr(message));
  }
}

TEST(ParseHsconfTest, RefusesOversizedFiles) {
  std::string bytes = MiniHsconf("<Server>a</Server>");
  bytes.append(kMaxHsconfBytes, ' ');
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("-byte limit"));
}

TEST(ParseHsconfTest, OracleNamingProblems) {
  std::string bytes = ReadFixture("oracle");
  std::string unknown =
      absl::StrReplaceAll(bytes, {{">Service Name</NamingType>", ">Easy Connect</NamingType>"}});
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(unknown);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition));
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
  ASSERT_OK(doc);
  EXPECT_TRUE(doc->section(DatabaseId::kPlatform).loopback);
  EXPECT_FALSE(doc->section(DatabaseId::kLogging).loopback);

  doc = ParseHsconf(MiniHsconf("<Server>(local)\\SQLEXPRESS</Server>"));
  ASSERT_OK(doc);
  const DatabaseSection& platform = doc->section(DatabaseId::kPlatform);
  EXPECT_EQ(platform.address, "(local)\\SQLEXPRESS");  // what the file has
  EXPECT_FALSE(platform.sql_server.has_value());       // not a form we would write
  EXPECT_TRUE(platform.loopback);
}

TEST(ParseHsconfTest, TextIsUnescapedAndRangeIsRaw) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf("<Server>sql&#48;1</Server>"));
  ASSERT_OK(doc);
  const AddressElement* server = doc->section(DatabaseId::kPlatform).Element("Server");
  EXPECT_EQ(server->text, "sql01");
  EXPECT_EQ(doc->bytes.substr(server->content_begin, server->content_end - server->content_begin),
            "sql&#48;1");
  // Same text: nothing changes, not even the character reference.
  absl::StatusOr<EditResult> edit = EditOne(*doc, DatabaseId::kPlatform, "sql01");
  ASSERT_OK(edit);
  EXPECT_TRUE(edit->changes.empty());
  EXPECT_EQ(edit->bytes, doc->bytes);
}

TEST(NamesTest, SectionAndShortNames) {
  EXPECT_EQ(SectionName(DatabaseId::kPlatform), "PlatformDatabaseConfiguration");
  EXPECT_EQ(SectionName(DatabaseId::kLogging), "LoggingDatabaseConfiguration");
  EXPECT_EQ(SectionName(DatabaseId::kSession), "SessionDatabaseConfiguration");
  EXPECT_EQ(ShortName(DatabaseId::kPlatform), "platform");
  EXPECT_EQ(ShortName(DatabaseId::kLogging), "log");
  EXPECT_EQ(ShortName(DatabaseId::kSession), "session");
}

// ----- The encrypted attribute: exactly "true" or "false" -------------------------------

TEST(ParseHsconfTest, EncryptedIsExactlyTrueOrFalseOrAbsent) {
  for (const auto& [server, encrypted] : std::vector<std::pair<std::string, bool>>{
           {"<Server encrypted=\"true\">x</Server>", true},
           {"<Server encrypted='true'>x</Server>", true},
           {"<Server encrypted=\"false\">db01</Server>", false},
           {"<Server>db01</Server>", false}}) {
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(MiniHsconf(server));
    ASSERT_OK(doc) << server;
    EXPECT_EQ(doc->section(DatabaseId::kPlatform).encrypted, encrypted) << server;
  }
}

// OutSystems writes lower case; a value a lenient reader would take as plaintext (while
// another takes it as encrypted) is refused, naming the element and its line.
TEST(ParseHsconfTest, AnEncryptedValueThatIsNotExactlyTrueOrFalseIsRefused) {
  for (const std::string value : {"TRUE ", "TRUE", "True", " true", "true ", "1", "yes", "",
                                  "FALSE", "false\t", "tru&#101; "}) {
    const std::string bytes = MiniHsconf("<Server encrypted=\"" + value + "\">db01</Server>");
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes);
    ASSERT_FALSE(doc.ok()) << value;
    EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition)) << value;
    EXPECT_THAT(std::string(doc.status().message()),
                HasSubstr("PlatformDatabaseConfiguration: <Server> at line 4, column 5"))
        << value;
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr("is neither \"true\" nor \"false\""))
        << value;
  }
}

TEST(ParseHsconfTest, ARepeatedAttributeIsRefusedAnywhere) {
  absl::StatusOr<HsconfDocument> doc =
      ParseHsconf(MiniHsconf("<Server encrypted=\"false\" encrypted=\"true\">db01</Server>"));
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(doc.status().message()),
              HasSubstr("<Server> at line 4, column 5 (byte 128) has the encrypted attribute "
                        "more than once"));
  // Not only on address elements: on any element of the file.
  doc = ParseHsconf(MiniHsconf("<Server>db01</Server>", "  <Other a=\"1\" b=\"2\" a=\"3\"/>\n"));
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("<Other> at line 6"));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("the a attribute more than once"));
}

TEST(ParseHsconfTest, EncryptedOnEveryFixtureIsPlainTrueOrFalse) {
  for (const char* name : {"sqlserver-dc", "sqlserver-fe-named-instance", "azuresql", "oracle",
                           "oracle-tnsname", "bad-encrypted-server"}) {
    EXPECT_OK(ParseHsconf(ReadFixture(name))) << name;
  }
}

}  // namespace
}  // namespace osfleet
