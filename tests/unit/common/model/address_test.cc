#include "common/model/address.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kLabel63(63, 'a');
const std::string kLabel64(64, 'a');
// 4 labels of 63 + 3 dots = 255; trimmed to exactly 253 and 254 characters.
const std::string kName255 = kLabel63 + "." + kLabel63 + "." + kLabel63 + "." + kLabel63;
const std::string kName253 = kName255.substr(0, 253);
const std::string kName254 = kName255.substr(0, 254);

struct GoodSqlCase {
  std::string text;
  SqlServerAddress want;
  std::string canonical;
};

TEST(ParseSqlServerAddressTest, AcceptsEveryFormAdministratorsWrite) {
  const std::vector<GoodSqlCase> cases = {
      {"SQLPROD01", {"SQLPROD01", "", 0, false}, "SQLPROD01"},
      {"SQLPROD01\\OUTSYS", {"SQLPROD01", "OUTSYS", 0, false}, "SQLPROD01\\OUTSYS"},
      {"SQLSESS01,14330", {"SQLSESS01", "", 14330, false}, "SQLSESS01,14330"},
      {"sql.corp.example.com\\OUTSYS,1500",
       {"sql.corp.example.com", "OUTSYS", 1500, false},
       "sql.corp.example.com\\OUTSYS,1500"},
      {"tcp:sql01,1433", {"sql01", "", 1433, true}, "tcp:sql01,1433"},
      {"TCP:sql01,1433", {"sql01", "", 1433, true}, "tcp:sql01,1433"},
      {"tcp:os-prod.database.windows.net,1433",
       {"os-prod.database.windows.net", "", 1433, true},
       "tcp:os-prod.database.windows.net,1433"},
      {"10.20.0.5", {"10.20.0.5", "", 0, false}, "10.20.0.5"},
      {"10.20.0.5,1433", {"10.20.0.5", "", 1433, false}, "10.20.0.5,1433"},
      {"[::1],1433", {"::1", "", 1433, false}, "::1,1433"},
      {"2001:db8::1,1433", {"2001:db8::1", "", 1433, false}, "2001:db8::1,1433"},
      {"2001:db8::1", {"2001:db8::1", "", 0, false}, "2001:db8::1"},
      {"tcp:[2001:db8::5]\\INST,1433",
       {"2001:db8::5", "INST", 1433, true},
       "tcp:2001:db8::5\\INST,1433"},
      {"host\\_inst$1", {"host", "_inst$1", 0, false}, "host\\_inst$1"},
      {"host\\ABCDEFGHIJKLMNOP", {"host", "ABCDEFGHIJKLMNOP", 0, false}, "host\\ABCDEFGHIJKLMNOP"},
      {"sql.corp.example.com.", {"sql.corp.example.com.", "", 0, false}, "sql.corp.example.com."},
      {"host,65535", {"host", "", 65535, false}, "host,65535"},
      {"host,1", {"host", "", 1, false}, "host,1"},
      {kLabel63 + ".example.com",
       {kLabel63 + ".example.com", "", 0, false},
       kLabel63 + ".example.com"},
      {kName253, {kName253, "", 0, false}, kName253},
  };
  for (const GoodSqlCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(c.text);
    ASSERT_OK(parsed);
    EXPECT_EQ(parsed->host, c.want.host);
    EXPECT_EQ(parsed->instance, c.want.instance);
    EXPECT_EQ(parsed->port, c.want.port);
    EXPECT_EQ(parsed->tcp_prefix, c.want.tcp_prefix);
    EXPECT_EQ(FormatSqlServerAddress(*parsed), c.canonical);
    absl::StatusOr<SqlServerAddress> again = ParseSqlServerAddress(c.canonical);
    ASSERT_OK(again);
    EXPECT_EQ(*again, *parsed);
  }
}

struct BadCase {
  std::string text;
  std::string message_part;  // expected in the error message
};

TEST(ParseSqlServerAddressTest, RejectsBadFormsWithPreciseMessages) {
  const std::vector<BadCase> cases = {
      {"", "is empty"},
      {"tcp:", "empty host"},
      {",1433", "empty host"},
      {"host\\", "empty instance name"},
      {"host\\ABCDEFGHIJKLMNOPQ", "17 characters, more than 16"},
      {"host\\1INST", "'1' at position 1 of instance name"},
      {"host\\IN-ST", "'-' at position 3 of instance name"},
      {"host,", "port \"\" is not a number"},
      {"host,0", "port 0 is outside 1..65535"},
      {"host,65536", "port 65536 is outside 1..65535"},
      {"host,abc", "port \"abc\" is not a number"},
      {"host,-1", "port \"-1\" is not a number"},
      {"host,99999999999", "is not a number"},
      {"sql<01", "'<' at position 4"},
      {"sql>01", "'>' at position 4"},
      {"sql&01", "'&' at position 4"},
      {"sql\"01", "'\"' at position 4"},
      {"sql'01", "''' at position 4"},
      {"sql01\n", "control character 0x0A at position 6"},
      {"sql\x7f", "control character 0x7F at position 4"},
      {std::string("sql\0x", 5), "control character 0x00 at position 4"},
      {"sql prod", "a space at position 4"},
      {" sqlprod", "a space at position 1"},
      {"sqlprod ", "a space at position 8"},
      {kLabel64 + ".example.com", "64 characters, more than 63"},
      {kName254, "254 characters, more than 253"},
      {"-host", "starts or ends with a hyphen"},
      {"host-", "starts or ends with a hyphen"},
      {"a..b", "empty label at position 3"},
      {"sql_prod", "'_' at position 4 is not allowed in a hostname"},
      {"sql\xc3\xa9", "non-ASCII byte 0xC3 at position 4"},
      {"256.1.1.1", "is not 0..255"},
      {"1.2.3", "not a valid IPv4 address"},
      {"01.2.3.4", "leading zero"},
      {"[::1", "without a closing ']'"},
      {"[::1]x", "expected '\\' or ',' after ']'"},
      {"[zz::1],1433", "not a valid IPv6 address"},
      {"np:host", "named pipes and shared memory cannot be used by a farm"},
      {"a,b,1433", "',' at position 2"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(c.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.message_part));
  }
}

// The usual slips of SQL Server addresses get what to write instead, not "not a valid IPv6
// address".
TEST(ParseSqlServerAddressTest, HostColonPortSuggestsTheComma) {
  const std::vector<BadCase> cases = {
      {"sql01:1433",
       "SQL Server address \"sql01:1433\": SQL Server takes the port after a comma: "
       "host,port; write \"sql01,1433\""},
      {"tcp:sql.corp.example.com:14330", "write \"tcp:sql.corp.example.com,14330\""},
      {"10.0.0.5:1433", "write \"10.0.0.5,1433\""},
      {"sql01:1433\\INST", "write \"sql01\\INST,1433\""},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(c.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.message_part));
    EXPECT_THAT(std::string(parsed.status().message()), ::testing::Not(HasSubstr("IPv6")));
  }
}

TEST(ParseSqlServerAddressTest, NamedPipesAndSharedMemoryAreRefusedAsSuch) {
  for (const char* text :
       {"np:sql01", "NP:\\\\sql01\\pipe\\sql\\query", "lpc:sql01", "LPC:(local)"}) {
    SCOPED_TRACE(text);
    absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(parsed.status().message()),
                HasSubstr("named pipes and shared memory cannot be used by a farm"));
  }
}

TEST(ParseSqlServerAddressTest, MessagesShowTheTextAsTyped) {
  absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress("sql01\\1INST");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("SQL Server address \"sql01\\1INST\": '1' at position 1 of instance "
                        "name \"1INST\""));
  EXPECT_THAT(std::string(parsed.status().message()), ::testing::Not(HasSubstr("\\\\")));
}

TEST(ValidateDatabaseAddressTest, AcceptsEitherProviderAndExplainsByForm) {
  for (const char* text : {"sql01", "sql01\\OUTSYS,1500", "tcp:sql01,1433", "[::1],1433", "::1",
                           "2001:db8::1,1433", "ora:1521/OSPROD", "[::1]:1522/SVC"}) {
    EXPECT_TRUE(ValidateDatabaseAddress(text).ok())
        << text << ": " << ValidateDatabaseAddress(text);
  }
  EXPECT_THAT(ValidateDatabaseAddress("sql01:1433").message(), HasSubstr("write \"sql01,1433\""));
  EXPECT_THAT(ValidateDatabaseAddress("np:sql01").message(), HasSubstr("named pipes"));
  EXPECT_THAT(ValidateDatabaseAddress("ora:1521/sv c").message(),
              HasSubstr("Oracle address \"ora:1521/sv c\""));
  EXPECT_THAT(ValidateDatabaseAddress(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseSqlServerAddressTest, MessagesDoNotEchoRawControlCharacters) {
  absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress("sql\r\nX");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), ::testing::Not(HasSubstr("\n")));
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("control character 0x0D at position 4"));
}

TEST(ValidateHostTest, AcceptsNamesAndLiterals) {
  for (const std::string& host :
       {std::string("db"), std::string("DB-01.corp.example.com"), std::string("10.0.0.1"),
        std::string("255.255.255.255"), std::string("0.0.0.0"), std::string("::1"),
        std::string("fe80::1:2:3:4"), std::string("::ffff:10.0.0.1"), std::string("1host"),
        std::string("a.b.")}) {
    EXPECT_OK(ValidateHost(host)) << host;
  }
}

TEST(ValidateHostTest, RejectsBadHosts) {
  for (const std::string& host :
       {std::string(""), std::string("."), std::string("a b"), std::string("a/b"),
        std::string("1.2.3.4.5"), std::string("300.1.1.1"), std::string(":::1"),
        std::string("[::1]"), kName254}) {
    absl::Status status = ValidateHost(host);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << host;
  }
}

TEST(CheckSafeTextTest, NamesTheCharacterAndPosition) {
  EXPECT_OK(CheckSafeText("plain,text\\ok", "thing"));
  absl::Status status = CheckSafeText("ab<c", "thing");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("thing"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("'<' at position 3"));
  EXPECT_THAT(CheckSafeText("ab\tc", "thing").message(),
              HasSubstr("control character 0x09 at position 3"));
  EXPECT_THAT(CheckSafeText("", "thing").message(), HasSubstr("thing is empty"));
}

TEST(ParseOracleAddressTest, AcceptsHostPortService) {
  struct Case {
    std::string text;
    std::string host;
    uint32_t port;
    std::string service;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"ora-prod.corp.example.com:1521/OSPROD", "ora-prod.corp.example.com", 1521, "OSPROD",
       "ora-prod.corp.example.com:1521/OSPROD"},
      {"ora/OSPROD", "ora", 1521, "OSPROD", "ora:1521/OSPROD"},
      {"ora-sess:1522/OSSESS", "ora-sess", 1522, "OSSESS", "ora-sess:1522/OSSESS"},
      {"[::1]:1522/SVC", "::1", 1522, "SVC", "[::1]:1522/SVC"},
      {"[2001:db8::7]/SVC", "2001:db8::7", 1521, "SVC", "[2001:db8::7]:1521/SVC"},
      {"10.0.0.1:1521/svc.example.com", "10.0.0.1", 1521, "svc.example.com",
       "10.0.0.1:1521/svc.example.com"},
      {"h/S$#_-.x", "h", 1521, "S$#_-.x", "h:1521/S$#_-.x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<OracleAddress> parsed = ParseOracleAddress(c.text);
    ASSERT_OK(parsed);
    EXPECT_EQ(parsed->host, c.host);
    EXPECT_EQ(parsed->port, c.port);
    EXPECT_EQ(parsed->service_name, c.service);
    EXPECT_EQ(FormatOracleAddress(*parsed), c.canonical);
    absl::StatusOr<OracleAddress> again = ParseOracleAddress(c.canonical);
    ASSERT_OK(again);
    EXPECT_EQ(again->host, parsed->host);
    EXPECT_EQ(again->port, parsed->port);
    EXPECT_EQ(again->service_name, parsed->service_name);
  }
}

TEST(ParseOracleAddressTest, RejectsBadForms) {
  const std::vector<BadCase> cases = {
      {"", "is empty"},
      {"ora", "missing '/service_name'"},
      {"ora:1521/", "empty service name"},
      {"ora:/svc", "port \"\" is not a number"},
      {"ora:0/svc", "outside 1..65535"},
      {"ora:70000/svc", "outside 1..65535"},
      {"::1:1521/svc", "must be in brackets"},
      {"[::1]x/svc", "expected ':' or '/' after ']'"},
      {"[::1:1521/svc", "without a closing ']'"},
      {"ora:1521/sv c", "a space at position 12"},
      {"ora:1521/svc!", "'!' at position 4 of service name"},
      {"ora:1521/" + std::string(129, 'S'), "129 characters, more than 128"},
      {"/svc", "empty host"},
      {"ora:1521/a<b", "'<' at position 11"},
      {"ora_1:1521/svc", "'_' at position 4"},
      {std::string("ora/sv\0", 7), "control character 0x00 at position 7"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<OracleAddress> parsed = ParseOracleAddress(c.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.message_part));
  }
}

TEST(IsLoopbackHostTest, RecognisesLoopbackForms) {
  for (const char* host : {"localhost", "LOCALHOST", "LocalHost.", "127.0.0.1", "127.255.0.3",
                           "::1", "::ffff:127.0.0.1", "(local)", "."}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"localhost2", "my.localhost.com", "10.0.0.1", "128.0.0.1", "::2",
                           "sqlprod01", "", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace osfleet
