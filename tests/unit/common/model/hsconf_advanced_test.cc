// Advanced-settings addresses in server.hsconf: read, refused, rewritten byte for byte, kept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tests/unit/common/model/hsconf_test_util.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using namespace hsconf_test;  // NOLINT
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecrets[] = {"Adv-Secret", "Hunter2",    "Svc-Secret", "Sess-Secret",
                                    "Fo-Secret",  "Ora-Secret", "Top-Secret"};

// No secret of the fixtures in any text an edit returns.
void ExpectNoSecret(const std::string& text) {
  for (const char* secret : kSecrets) EXPECT_THAT(text, Not(HasSubstr(secret))) << text;
}

void ExpectNoSecret(const absl::StatusOr<EditResult>& edit) {
  if (!edit.ok()) {
    ExpectNoSecret(std::string(edit.status().message()));
    return;
  }
  for (const std::string& w : edit->warnings) ExpectNoSecret(w);
  for (const FieldChange& c : edit->changes) {
    ExpectNoSecret(c.old_value);
    ExpectNoSecret(c.new_value);
  }
}

absl::StatusOr<EditResult> Edit(const HsconfDocument& doc, DatabaseId id, std::string address,
                                AdvancedSettingsChoice choice) {
  const std::vector<EndpointEdit> edits = {{id, std::move(address)}};
  return ApplyEdits(doc, edits, choice);
}

// `after` is `before` with exactly the given ranges replaced (sorted, not overlapping).
void ExpectOnly(const std::string& before, const std::string& after,
                std::vector<std::pair<std::pair<size_t, size_t>, std::string>> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::string expected;
  size_t at = 0;
  for (const auto& [range, text] : ranges) {
    expected += before.substr(at, range.first - at);
    expected += text;
    at = range.second;
  }
  expected += before.substr(at);
  EXPECT_EQ(after, expected);
}

TEST(HsconfAdvancedTest, FixtureAddressesAreReadWithTheirHosts) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  EXPECT_TRUE(platform.advanced_problems.empty());
  ASSERT_EQ(platform.advanced_addresses.size(), 1u);
  const AdvancedAddress& a = platform.advanced_addresses[0];
  EXPECT_EQ(a.element, "RuntimeAdvancedSettings");
  EXPECT_EQ(a.keyword.keyword, "Data Source");
  EXPECT_EQ(a.keyword.value, "tcp:SQLPROD01.corp.example.com,1433");
  EXPECT_EQ(doc.bytes.substr(a.file_begin, a.file_end - a.file_begin),
            "SQLPROD01.corp.example.com");
  const DatabaseSection& logging = doc.section(DatabaseId::kLogging);
  ASSERT_EQ(logging.advanced_addresses.size(), 1u);
  EXPECT_TRUE(logging.advanced_addresses[0].keyword.failover_partner);
  EXPECT_EQ(logging.advanced_addresses[0].keyword.host, "SQLMIRROR02.corp.example.com");
  const DatabaseSection& session = doc.section(DatabaseId::kSession);
  ASSERT_EQ(session.advanced_addresses.size(), 1u);
  EXPECT_EQ(session.advanced_addresses[0].element, "SessionAdvancedSettings");
  EXPECT_EQ(session.advanced_addresses[0].keyword.host, "sqlprod01");
}

TEST(HsconfAdvancedTest, MovingAwayFromAnOverriddenHostIsRefusedByDefault) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "sqlnew.corp.example.com");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(edit.status().message(),
              HasSubstr("platform database: <RuntimeAdvancedSettings> Data Source=tcp:"
                        "SQLPROD01.corp.example.com,1433 names the host this change moves away "
                        "from (SQLPROD01.corp.example.com)"));
  EXPECT_THAT(edit.status().message(), HasSubstr("--advanced-settings rewrite"));
  ExpectNoSecret(edit);
}

TEST(HsconfAdvancedTest, AShortNameOfTheOldHostCountsAsTheOldHost) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kSession, "sqlnew.corp.example.com");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit.status().message(),
              HasSubstr("<SessionAdvancedSettings> Server=sqlprod01\\SESSIONS names"));
}

TEST(HsconfAdvancedTest, RewriteChangesOnlyTheHostBytes) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  absl::StatusOr<EditResult> edit =
      Edit(doc, DatabaseId::kPlatform, "sqlnew.corp.example.com", AdvancedSettingsChoice::kRewrite);
  ASSERT_OK(edit);
  const AddressElement* server = platform.Element("Server");
  const AdvancedAddress& a = platform.advanced_addresses[0];
  ExpectOnly(doc.bytes, edit->bytes,
             {{{server->content_begin, server->content_end}, "sqlnew.corp.example.com"},
              {{a.file_begin, a.file_end}, "sqlnew.corp.example.com"}});
  EXPECT_THAT(edit->bytes, HasSubstr("Data Source = tcp:sqlnew.corp.example.com,1433 ;User ID"));
  ASSERT_EQ(edit->changes.size(), 2u);
  EXPECT_EQ(edit->changes[1].element, "RuntimeAdvancedSettings");
  EXPECT_EQ(edit->changes[1].keyword, "Data Source");
  EXPECT_EQ(edit->changes[1].old_value, "tcp:SQLPROD01.corp.example.com,1433");
  EXPECT_EQ(edit->changes[1].new_value, "tcp:sqlnew.corp.example.com,1433");
  ExpectNoSecret(edit);
  // The rewritten file parses, and its override now names the new host.
  absl::StatusOr<HsconfDocument> after = ParseHsconf(edit->bytes);
  ASSERT_OK(after);
  EXPECT_EQ(after->section(DatabaseId::kPlatform).advanced_addresses[0].keyword.host,
            "sqlnew.corp.example.com");
}

TEST(HsconfAdvancedTest, KeepChangesOnlyTheServerAndSaysWhatItKept) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  absl::StatusOr<EditResult> edit =
      Edit(doc, DatabaseId::kPlatform, "sqlnew.corp.example.com", AdvancedSettingsChoice::kKeep);
  ASSERT_OK(edit);
  const AddressElement* server = doc.section(DatabaseId::kPlatform).Element("Server");
  ExpectOnly(doc.bytes, edit->bytes,
             {{{server->content_begin, server->content_end}, "sqlnew.corp.example.com"}});
  ASSERT_EQ(edit->changes.size(), 1u);
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("kept (--advanced-settings keep): "
                                           "<RuntimeAdvancedSettings> Data Source="));
  ExpectNoSecret(edit);
}

TEST(HsconfAdvancedTest, AFailoverPartnerElsewhereIsReportedNotRefused) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kLogging, "sqlnew.corp.example.com");
  ASSERT_OK(edit);
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0],
              HasSubstr("log database: <RuntimeAdvancedSettings> Failover Partner="
                        "SQLMIRROR02.corp.example.com names a failover partner"));
}

TEST(HsconfAdvancedTest, AFailoverPartnerNamingTheOldHostCountsAsTheOldHost) {
  const HsconfDocument doc =
      ParseHsconf(
          MiniHsconf("<Server>old01.example.com</Server>\n    <RuntimeAdvancedSettings>Failover "
                     "Partner=OLD01.example.com</RuntimeAdvancedSettings>"))
          .value();
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "new01.example.com");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit.status().message(), HasSubstr("Failover Partner=OLD01.example.com names"));
}

TEST(HsconfAdvancedTest, ChangingOnlyThePortIsNotAMoveAwayButTheOverrideIsReported) {
  const HsconfDocument doc = ParseFixture("sqlserver-advanced-override");
  absl::StatusOr<EditResult> edit =
      EditOne(doc, DatabaseId::kPlatform, "tcp:SQLPROD01.corp.example.com,1500");
  ASSERT_OK(edit);
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("overrides the section's address"));
}

TEST(HsconfAdvancedTest, XmlEscapedTextIsRewrittenInItsEscapedForm) {
  const std::string bytes = MiniHsconf(
      "<Server>old01</Server>\n    <RuntimeAdvancedSettings encrypted=\"false\">App=a&amp;b;"
      "Server=&quot;tcp:&#x6F;ld01,1433&quot;;Password=&quot;x;&quot;&quot;y&quot;"
      "</RuntimeAdvancedSettings>");
  const HsconfDocument doc = ParseHsconf(bytes).value();
  const DatabaseSection& platform = doc.section(DatabaseId::kPlatform);
  ASSERT_EQ(platform.advanced_addresses.size(), 1u);
  const AdvancedAddress& a = platform.advanced_addresses[0];
  EXPECT_EQ(a.keyword.host, "old01");
  EXPECT_EQ(bytes.substr(a.file_begin, a.file_end - a.file_begin), "&#x6F;ld01");
  absl::StatusOr<EditResult> edit =
      Edit(doc, DatabaseId::kPlatform, "new01", AdvancedSettingsChoice::kRewrite);
  ASSERT_OK(edit);
  const AddressElement* server = platform.Element("Server");
  ExpectOnly(bytes, edit->bytes,
             {{{server->content_begin, server->content_end}, "new01"},
              {{a.file_begin, a.file_end}, "new01"}});
  EXPECT_THAT(edit->bytes, HasSubstr("Server=&quot;tcp:new01,1433&quot;;Password=&quot;x;"));
}

TEST(HsconfAdvancedTest, OracleDescriptorAndEasyConnectAreRewritten) {
  const HsconfDocument doc = ParseFixture("oracle-advanced-descriptor");
  absl::StatusOr<EditResult> refused =
      EditOne(doc, DatabaseId::kPlatform, "ora-new.corp.example.com:1521/OSPROD");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("<RuntimeAdvancedSettings> Data Source="
                                                    "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)"
                                                    "(HOST=ora-prod.corp.example.com)"));
  ExpectNoSecret(refused);
  const std::vector<EndpointEdit> edits = {
      {DatabaseId::kPlatform, "ora-new.corp.example.com:1521/OSPROD"},
      {DatabaseId::kSession, "ora-sess2.corp.example.com:1522/OSSESS"}};
  absl::StatusOr<EditResult> edit = ApplyEdits(doc, edits, AdvancedSettingsChoice::kRewrite);
  ASSERT_OK(edit);
  EXPECT_THAT(edit->bytes, HasSubstr("(HOST=ora-new.corp.example.com)(PORT=1521)"));
  EXPECT_THAT(edit->bytes, HasSubstr("Data Source=//ora-sess2.corp.example.com:1522/OSSESS<"));
  EXPECT_THAT(edit->bytes, HasSubstr("Password=Ora-Secret-5</RuntimeAdvancedSettings>"));
  EXPECT_EQ(edit->bytes.size(),
            doc.bytes.size() +
                2 * (std::string("ora-new").size() - std::string("ora-prod").size()) +
                2 * (std::string("ora-sess2").size() - std::string("ora-sess").size()));
  ExpectNoSecret(edit);
}

TEST(HsconfAdvancedTest, UnreadableAdvancedSettingsAreAProblemNotAParseError) {
  const std::string bytes = MiniHsconf(
      "<Server>old01</Server>\n    <RuntimeAdvancedSettings>Max Pool Size=5;Password=\"Top-Secret"
      "</RuntimeAdvancedSettings>\n    <ServicesAdvancedSettings encrypted=\"true\">$2$x"
      "</ServicesAdvancedSettings>");
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes);
  ASSERT_OK(doc);
  const DatabaseSection& platform = doc->section(DatabaseId::kPlatform);
  ASSERT_EQ(platform.advanced_problems.size(), 2u);
  EXPECT_THAT(platform.advanced_problems[0],
              HasSubstr("<RuntimeAdvancedSettings> at line 5, column 5 (byte "));
  EXPECT_THAT(platform.advanced_problems[0], HasSubstr("column 26: unterminated quote"));
  EXPECT_THAT(platform.advanced_problems[1], HasSubstr("<ServicesAdvancedSettings> at line 6"));
  EXPECT_THAT(platform.advanced_problems[1], HasSubstr("is encrypted"));
  absl::StatusOr<EditResult> refused = EditOne(*doc, DatabaseId::kPlatform, "new01");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("cannot tell whether its advanced settings"));
  ExpectNoSecret(refused);
  absl::StatusOr<EditResult> rewrite =
      Edit(*doc, DatabaseId::kPlatform, "new01", AdvancedSettingsChoice::kRewrite);
  EXPECT_FALSE(rewrite.ok());
  absl::StatusOr<EditResult> kept =
      Edit(*doc, DatabaseId::kPlatform, "new01", AdvancedSettingsChoice::kKeep);
  ASSERT_OK(kept);
  EXPECT_THAT(kept->warnings[0], HasSubstr("kept unread"));
  ExpectNoSecret(kept);
  // The other sections are edited as before.
  EXPECT_OK(EditOne(*doc, DatabaseId::kLogging, "log02"));
}

TEST(HsconfAdvancedTest, FixturesWithoutAddressesEditAsBefore) {
  for (const char* name : {"sqlserver-dc", "oracle", "azuresql", "sqlserver-fe-named-instance"}) {
    const HsconfDocument doc = ParseFixture(name);
    for (DatabaseId id : kAllDatabases) {
      EXPECT_TRUE(doc.section(id).advanced_addresses.empty()) << name;
      EXPECT_TRUE(doc.section(id).advanced_problems.empty()) << name;
    }
  }
}

TEST(HsconfAdvancedTest, FindingsSayWhatEachAddressMeansForAMove) {
  using Kind = AdvancedSettingsFinding::Kind;
  const std::vector<AdvancedSettingsFinding> found =
      AdvancedSettingsFindings(ParseFixture("sqlserver-advanced-override"));
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].database, DatabaseId::kPlatform);
  EXPECT_EQ(found[0].kind, Kind::kNamesOwnHost);
  EXPECT_THAT(found[0].text, HasSubstr("platform database: <RuntimeAdvancedSettings> Data "
                                       "Source=tcp:SQLPROD01.corp.example.com,1433 names the "
                                       "section's own host"));
  EXPECT_EQ(found[1].kind, Kind::kFailoverPartner);
  EXPECT_EQ(found[2].kind, Kind::kNamesOwnHost);  // sqlprod01, the short name
  for (const AdvancedSettingsFinding& f : found) ExpectNoSecret(f.text);

  const HsconfDocument other =
      ParseHsconf(
          MiniHsconf(
              "<Server>old01</Server>\n    <RuntimeAdvancedSettings>Server=a;Addr=elsewhere01;"
              "Password=\"Top-Secret</RuntimeAdvancedSettings>\n    <ServicesAdvancedSettings>"
              "Server=b;Server=c</ServicesAdvancedSettings>"))
          .value();
  const std::vector<AdvancedSettingsFinding> more = AdvancedSettingsFindings(other);
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(more[0].kind, Kind::kOverridden);      // Server=b, then Server=c
  EXPECT_EQ(more[1].kind, Kind::kNamesOtherHost);  // Server=c
  EXPECT_EQ(more[2].kind, Kind::kUnreadable);      // the unterminated quote
  EXPECT_THAT(more[2].text, HasSubstr("platform database: <RuntimeAdvancedSettings> at line 5"));
  for (const AdvancedSettingsFinding& f : more) ExpectNoSecret(f.text);
}

}  // namespace
}  // namespace osfleet
