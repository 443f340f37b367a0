#include "common/text/json_util.h"

#include "common/text/utf8.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using nlohmann::json;
using ::osfleet::testing::StatusIs;

constexpr char kFffd[] = "\xEF\xBF\xBD";

TEST(JsonUtilTest, DumpReplacesInvalidUtf8InsteadOfThrowing) {
  // A service's failure output in a code page, and a cut multi-byte character.
  const json doc = {{"message", "\xFF\xFE caf\xC3"}, {"ok", false}};
  std::string text;
  EXPECT_NO_THROW(text = DumpJson(doc));
  EXPECT_TRUE(IsValidUtf8(text)) << text;
  EXPECT_NE(text.find(kFffd), std::string::npos) << text;
  // The result parses back.
  absl::StatusOr<json> back = ParseJson(text, "dump");
  ASSERT_OK(back);
  EXPECT_EQ(JsonBool(*back, "ok", true), false);
}

TEST(JsonUtilTest, DumpKeepsValidTextAndIndents) {
  const json doc = {{"name", "S\xC3\xA3o Paulo \xE2\x86\x92 db"}};
  EXPECT_EQ(DumpJson(doc), "{\"name\":\"S\xC3\xA3o Paulo \xE2\x86\x92 db\"}");
  EXPECT_EQ(DumpJson(doc, 2), "{\n  \"name\": \"S\xC3\xA3o Paulo \xE2\x86\x92 db\"\n}");
  EXPECT_EQ(DumpJson(json({{"key\xE9", 1}})), std::string("{\"key") + kFffd + "\":1}");
}

TEST(JsonUtilTest, ParseRefusesBadTextWithoutThrowing) {
  for (const char* text : {"", "{", "{\"a\": \"\xFF\"}", "not json", "{\"a\":1}}"}) {
    absl::StatusOr<json> doc = ParseJson(text, "journal.json");
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_THAT(doc, StatusIs(absl::StatusCode::kDataLoss));
    EXPECT_EQ(doc.status().message(), "journal.json: not valid JSON");
  }
}

TEST(JsonUtilTest, AccessorsFallBackOnMissingKeysAndWrongTypes) {
  const json doc = json::parse(R"({"s": "text", "i": 7, "u": 18446744073709551615,
      "d": 1.5, "b": true, "o": {"k": "v", "n": 1}, "arr": [1]})");
  EXPECT_EQ(JsonString(doc, "s"), "text");
  EXPECT_EQ(JsonString(doc, "i", "dflt"), "dflt");
  EXPECT_EQ(JsonString(doc, "missing", "dflt"), "dflt");
  EXPECT_EQ(JsonInt(doc, "i"), 7);
  EXPECT_EQ(JsonInt(doc, "s", -1), -1);
  EXPECT_EQ(JsonInt(doc, "u", -1), -1);  // out of int64's range
  EXPECT_EQ(JsonInt(doc, "d", -1), -1);
  EXPECT_EQ(JsonDouble(doc, "d"), 1.5);
  EXPECT_EQ(JsonDouble(doc, "i"), 7.0);
  EXPECT_EQ(JsonDouble(doc, "b", 2.5), 2.5);
  EXPECT_TRUE(JsonBool(doc, "b"));
  EXPECT_TRUE(JsonBool(doc, "i", true));
  EXPECT_EQ(JsonObject(doc, "o").size(), 2u);
  EXPECT_TRUE(JsonObject(doc, "arr").is_object());
  EXPECT_TRUE(JsonObject(doc, "arr").empty());
  EXPECT_EQ(JsonStringMap(doc, "o"), (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_TRUE(JsonStringMap(doc, "s").empty());
}

TEST(JsonUtilTest, AccessorsOnDocumentsThatAreNotObjects) {
  for (const json& doc : {json(nullptr), json::array({1, 2}), json("text"), json(3)}) {
    EXPECT_EQ(JsonString(doc, "a", "x"), "x");
    EXPECT_EQ(JsonInt(doc, "a", 4), 4);
    EXPECT_FALSE(JsonBool(doc, "a"));
    EXPECT_TRUE(JsonObject(doc, "a").empty());
    EXPECT_TRUE(JsonStringMap(doc, "a").empty());
  }
}

}  // namespace
}  // namespace osfleet
