#include "tests/support/status_matchers.h"
#include "tests/unit/common/model/hsconf_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using namespace hsconf_test;  // NOLINT

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
  ASSERT_OK(edit);
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
  ASSERT_OK(edited);
  EXPECT_EQ(edited->section(id).address, new_address);
  for (DatabaseId other : kAllDatabases) {
    if (other != id) {
      EXPECT_EQ(edited->section(other).address, doc.section(other).address);
    }
  }
  absl::StatusOr<EditResult> revert = EditOne(*edited, id, section.address);
  ASSERT_OK(revert);
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
  ASSERT_OK(edit);
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
  ASSERT_OK(edit);
  EXPECT_TRUE(edit->changes.empty());
  EXPECT_EQ(edit->bytes, doc.bytes);

  const HsconfDocument oracle = ParseFixture("oracle");
  edit = EditOne(oracle, DatabaseId::kPlatform, "ora-prod.corp.example.com/OSPROD");
  ASSERT_OK(edit);
  EXPECT_TRUE(edit->changes.empty());
  EXPECT_EQ(edit->bytes, oracle.bytes);

  edit = ApplyEdits(doc, {});
  ASSERT_OK(edit);
  EXPECT_EQ(edit->bytes, doc.bytes);
}

TEST(ApplyEditsTest, OracleChangesOnlyTheFieldsThatDiffer) {
  const HsconfDocument doc = ParseFixture("oracle");
  absl::StatusOr<EditResult> edit =
      EditOne(doc, DatabaseId::kSession, "ora-sess.corp.example.com:1600/OSSESS");
  ASSERT_OK(edit);
  ASSERT_EQ(edit->changes.size(), 1u);
  EXPECT_EQ(edit->changes[0].element, "Port");
  EXPECT_EQ(edit->changes[0].old_value, "1522");
  EXPECT_EQ(edit->changes[0].new_value, "1600");
}

TEST(ApplyEditsTest, SqlServerTextIsWrittenInCanonicalForm) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "TCP:[2001:db8::5],1433");
  ASSERT_OK(edit);
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
    ASSERT_OK(doc);
    absl::StatusOr<EditResult> edit = EditOne(*doc, DatabaseId::kPlatform, "new01");
    ASSERT_OK(edit);
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
  ASSERT_OK(doc);
  absl::StatusOr<EditResult> edit = EditOne(*doc, DatabaseId::kPlatform, "new01");
  ASSERT_OK(edit);
  EXPECT_EQ(edit->bytes, MiniHsconf("<Server encrypted=\"false\">new01</Server>", extra));
}

// ----- Editing: refusals --------------------------------------------------------------------

TEST(ApplyEditsTest, EncryptedAddressIsRefusedButOtherSectionsWork) {
  const HsconfDocument doc = ParseFixture("bad-encrypted-server");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "sqlnew");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("encrypted"));

  edit = EditOne(doc, DatabaseId::kLogging, "sqlnew");
  ASSERT_OK(edit);
  EXPECT_EQ(edit->changes.size(), 1u);
}

TEST(ApplyEditsTest, TnsAliasIsRefused) {
  const HsconfDocument doc = ParseFixture("oracle-tnsname");
  absl::StatusOr<EditResult> edit =
      EditOne(doc, DatabaseId::kPlatform, "ora-new.corp.example.com:1521/OSPROD");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("tnsnames.ora"));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("OSPROD_TNS"));
}

TEST(ApplyEditsTest, WrongProviderFormIsRefused) {
  const HsconfDocument sql = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(sql, DatabaseId::kPlatform, "ora:1521/OSPROD");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("is an Oracle address"));

  const HsconfDocument oracle = ParseFixture("oracle");
  for (const char* address : {"sqlprod01\\OUTSYS", "tns:OSPROD_TNS"}) {
    edit = EditOne(oracle, DatabaseId::kPlatform, address);
    ASSERT_FALSE(edit.ok()) << address;
    EXPECT_THAT(edit, StatusIs(absl::StatusCode::kFailedPrecondition)) << address;
  }
}

TEST(ApplyEditsTest, BadAddressIsInvalidArgument) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kSession, "sql<prod");
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("session database"));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("'<' at position 4"));
}

TEST(ApplyEditsTest, AllOrNothing) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  const std::vector<EndpointEdit> one_bad = {{DatabaseId::kPlatform, "good01"},
                                             {DatabaseId::kLogging, "bad host"}};
  absl::StatusOr<EditResult> edit = ApplyEdits(doc, one_bad);
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kInvalidArgument));

  const std::vector<EndpointEdit> twice = {{DatabaseId::kPlatform, "good01"},
                                           {DatabaseId::kPlatform, "good02"}};
  edit = ApplyEdits(doc, twice);
  ASSERT_FALSE(edit.ok());
  EXPECT_THAT(edit, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(edit.status().message()), HasSubstr("more than once"));
}

TEST(ApplyEditsTest, LoopbackWarns) {
  const HsconfDocument doc = ParseFixture("sqlserver-dc");
  absl::StatusOr<EditResult> edit = EditOne(doc, DatabaseId::kPlatform, "localhost,1433");
  ASSERT_OK(edit);
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("localhost,1433 is a loopback address"));

  const HsconfDocument oracle = ParseFixture("oracle");
  edit = EditOne(oracle, DatabaseId::kLogging, "127.0.0.1:1521/XE");
  ASSERT_OK(edit);
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("log database"));
}

}  // namespace
}  // namespace osfleet
