#include "common/model/advanced_settings.h"
#include "tests/support/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<ConnectionPair> Parse(absl::string_view text) {
  absl::StatusOr<std::vector<ConnectionPair>> pairs = ParseConnectionString(text);
  EXPECT_OK(pairs);
  return pairs.ok() ? *pairs : std::vector<ConnectionPair>{};
}

std::vector<AddressKeyword> Find(absl::string_view text,
                                 ConnectionDialect dialect = ConnectionDialect::kSqlServer) {
  return FindAddressKeywords(text, Parse(text), dialect);
}

// ----- Parsing ---------------------------------------------------------------------------

TEST(ConnectionStringTest, KeysAndUnquotedValuesAreTrimmed) {
  const auto pairs = Parse("  Max Pool Size = 200 ;Data Source= tcp:h,1433  ");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].key, "Max Pool Size");
  EXPECT_EQ(pairs[0].value, "200");
  EXPECT_EQ(pairs[1].key, "Data Source");
  EXPECT_EQ(pairs[1].value, "tcp:h,1433");
  EXPECT_EQ(pairs[1].quote, 0);
}

TEST(ConnectionStringTest, ValueOffsetsPointAtTheValueBytes) {
  const std::string text = "a=1; Server = host ;b='x'";
  const auto pairs = Parse(text);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(text.substr(pairs[1].value_begin, pairs[1].value_end - pairs[1].value_begin), "host");
  EXPECT_EQ(text.substr(pairs[2].value_begin, pairs[2].value_end - pairs[2].value_begin), "x");
}

TEST(ConnectionStringTest, QuotedValuesKeepSemicolonsAndDoubledQuotesAreOne) {
  const auto pairs = Parse("Password=\"a;\"\"b\"\"\";Pwd='it''s;'; x = \"  spaced  \"");
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].value, "a;\"b\"");
  EXPECT_EQ(pairs[0].quote, '"');
  EXPECT_EQ(pairs[1].value, "it's;");
  EXPECT_EQ(pairs[1].quote, '\'');
  EXPECT_EQ(pairs[2].value, "  spaced  ");  // quoted: not trimmed
}

TEST(ConnectionStringTest, OtherQuoteInsideAQuotedValueIsPlainText) {
  const auto pairs = Parse("a=\"it's\";b='say \"hi\"'");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].value, "it's");
  EXPECT_EQ(pairs[1].value, "say \"hi\"");
}

TEST(ConnectionStringTest, DoubledEqualsInAKeyIsALiteralEquals) {
  const auto pairs = Parse("a==b=c");
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].key, "a=b");
  EXPECT_EQ(pairs[0].value, "c");
}

TEST(ConnectionStringTest, EmptyPairsAndValuesAreFine) {
  const auto pairs = Parse(";;  ; Server=;;Data Source=\"\";");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].value, "");
  EXPECT_EQ(pairs[1].value, "");
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("  ;  ").empty());
}

TEST(ConnectionStringTest, TheLastOccurrenceOfAKeyWinsCaseInsensitively) {
  const auto pairs = Parse("Server=a;SERVER=b;server = c;Timeout=5");
  const ConnectionPair* last = LastPair(pairs, "Server");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->value, "c");
  EXPECT_EQ(LastPair(pairs, "timeout")->value, "5");
  EXPECT_EQ(LastPair(pairs, "Data Source"), nullptr);
}

TEST(ConnectionStringTest, UnterminatedQuoteNamesTheKeyAndColumnButNotTheValue) {
  absl::StatusOr<std::vector<ConnectionPair>> r =
      ParseConnectionString("Max Pool Size=5;Password=\"Top-Secret;x");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.status().message(), HasSubstr("column 26"));
  EXPECT_THAT(r.status().message(), HasSubstr("unterminated quote"));
  EXPECT_THAT(r.status().message(), HasSubstr("'Password'"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("Top-Secret")));
}

TEST(ConnectionStringTest, MalformedPairsAreRefusedWithTheirColumn) {
  EXPECT_THAT(ParseConnectionString("a=1;justakey;b=2").status().message(),
              HasSubstr("column 5: the pair starting here (key 'justakey') has no '='"));
  EXPECT_THAT(ParseConnectionString("a=1; =2").status().message(),
              HasSubstr("column 6: a pair has an empty key"));
  EXPECT_THAT(ParseConnectionString("a='x' y;b=1").status().message(),
              HasSubstr("column 7: text after the closing quote of 'a'"));
}

TEST(ConnectionStringTest, SecretKeys) {
  EXPECT_TRUE(IsSecretKey("Password"));
  EXPECT_TRUE(IsSecretKey("PWD"));
  EXPECT_FALSE(IsSecretKey("User ID"));
}

// ----- Address keywords ------------------------------------------------------------------

TEST(AddressKeywordsTest, EverySqlServerSynonymAndTheFailoverPartnerAreFound) {
  const auto found = Find(
      "Server=a;Data Source=b;Addr=c;Address=d;Network Address=e;Failover Partner=f;"
      "Initial Catalog=g;Password=h");
  ASSERT_EQ(found.size(), 6u);
  const char* hosts[] = {"a", "b", "c", "d", "e", "f"};
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i].host, hosts[i]);
    EXPECT_EQ(found[i].failover_partner, i == 5);
    EXPECT_EQ(found[i].overridden, i < 4) << i;  // Network Address is the last synonym
  }
}

TEST(AddressKeywordsTest, NoPasswordValueIsEverReturned) {
  const auto found = Find("Password=Server=x;Pwd='Data Source=y';Server=z");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, "z");
}

struct HostCase {
  const char* value;
  const char* host;
};

TEST(AddressKeywordsTest, SqlServerFormsYieldTheirHost) {
  const HostCase cases[] = {
      {"host", "host"},
      {"tcp:host,1433", "host"},
      {"TCP:host.example.com,1433", "host.example.com"},
      {"host\\INSTANCE", "host"},
      {"host\\INSTANCE,1500", "host"},
      {"host,1433", "host"},
      {"np:\\\\pipehost\\pipe\\sql\\query", "pipehost"},
      {"lpc:localbox", "localbox"},
      {"admin:dac-host", "dac-host"},
      {"[fe80::1],1433", "fe80::1"},
      {"tcp:10.0.0.5,1433", "10.0.0.5"},
      {"(local)", "(local)"},
  };
  for (const HostCase& c : cases) {
    const std::string text = std::string("Server=") + c.value;
    const auto found = Find(text);
    ASSERT_EQ(found.size(), 1u) << c.value;
    EXPECT_EQ(found[0].host, c.host) << c.value;
    EXPECT_EQ(text.substr(found[0].host_begin, found[0].host_end - found[0].host_begin), c.host);
    EXPECT_EQ(found[0].value.substr(found[0].host_in_value, found[0].host.size()), c.host);
  }
}

TEST(AddressKeywordsTest, HostOffsetsInQuotedValuesWithDoubledQuotesPointAtTheHostBytes) {
  const std::string text = "Data Source='tcp:h''x,1'";  // odd, but the quote doubles
  const auto found = Find(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].host, "h'x");
  EXPECT_EQ(text.substr(found[0].host_begin, found[0].host_end - found[0].host_begin), "h''x");
}

TEST(AddressKeywordsTest, OracleEasyConnectAndBareNames) {
  const HostCase cases[] = {
      {"ora.example.com:1521/OSPROD", "ora.example.com"},
      {"//ora.example.com:1521/OSPROD", "ora.example.com"},
      {"ora.example.com/OSPROD", "ora.example.com"},
      {"[2001:db8::5]:1521/OSPROD", "2001:db8::5"},
      {"ORA_ALIAS", "ORA_ALIAS"},
  };
  for (const HostCase& c : cases) {
    const auto found = Find(std::string("Data Source=") + c.value, ConnectionDialect::kOracle);
    ASSERT_EQ(found.size(), 1u) << c.value;
    EXPECT_EQ(found[0].host, c.host) << c.value;
  }
}

TEST(AddressKeywordsTest, OracleDescriptorGivesEveryHost) {
  const std::string text =
      "Data Source=(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=TCP)(HOST=ora1)(PORT=1521))"
      "(ADDRESS=(PROTOCOL=TCP)( host = ora2.example.com )(PORT=1521)))"
      "(CONNECT_DATA=(SERVICE_NAME=OSPROD)));User Id=x";
  const auto found = Find(text, ConnectionDialect::kOracle);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].host, "ora1");
  EXPECT_EQ(found[1].host, "ora2.example.com");
  EXPECT_EQ(text.substr(found[1].host_begin, found[1].host_end - found[1].host_begin),
            "ora2.example.com");
  EXPECT_EQ(found[1].keyword, "Data Source");
}

TEST(AddressKeywordsTest, OracleDescriptorWithoutHostIsStillReported) {
  const auto found =
      Find("Data Source=(DESCRIPTION=(ADDRESS=(PROTOCOL=IPC)(KEY=x)))", ConnectionDialect::kOracle);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].host, "");
}

TEST(SameHostTest, ComparesWithoutDns) {
  EXPECT_TRUE(SameHost("SQLPROD01.corp.example.com", "sqlprod01.corp.example.com."));
  EXPECT_TRUE(SameHost("sqlprod01", "SQLPROD01.corp.example.com"));
  EXPECT_TRUE(SameHost("[::1]", "::1"));
  EXPECT_FALSE(SameHost("sqlprod01", "sqlprod02.corp.example.com"));
  EXPECT_FALSE(SameHost("sqlprod01.a.com", "sqlprod01.b.com"));
  EXPECT_FALSE(SameHost("10", "10.0.0.1"));
  EXPECT_FALSE(SameHost("", ""));
}

}  // namespace
}  // namespace osfleet
