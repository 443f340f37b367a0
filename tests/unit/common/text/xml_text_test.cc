#include "common/text/xml_text.h"
#include "tests/support/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet {
namespace {

using ::testing::HasSubstr;

TEST(XmlTextTest, PlainTextMapsOneToOne) {
  absl::StatusOr<XmlText> t = UnescapeXmlText("Server=a;");
  ASSERT_OK(t);
  EXPECT_EQ(t->text, "Server=a;");
  ASSERT_EQ(t->raw_offset.size(), 10u);
  for (size_t i = 0; i < t->raw_offset.size(); ++i) EXPECT_EQ(t->raw_offset[i], i);
}

TEST(XmlTextTest, EntitiesBecomeTheirTextAndMapBackToTheirWholeBytes) {
  const std::string raw = "a=&quot;x&amp;y&quot;;b=&#65;&#x42;&lt;&gt;&apos;";
  absl::StatusOr<XmlText> t = UnescapeXmlText(raw);
  ASSERT_OK(t);
  EXPECT_EQ(t->text, "a=\"x&y\";b=AB<>'");
  // "x&y" is text[3, 6): its raw bytes are "x&amp;y".
  EXPECT_EQ(raw.substr(t->raw_offset[3], t->raw_offset[6] - t->raw_offset[3]), "x&amp;y");
  EXPECT_EQ(t->raw_offset.back(), raw.size());
}

TEST(XmlTextTest, CrLfAndLoneCrReadAsLf) {
  absl::StatusOr<XmlText> t = UnescapeXmlText("a\r\nb\rc");
  ASSERT_OK(t);
  EXPECT_EQ(t->text, "a\nb\nc");
  EXPECT_EQ(t->raw_offset[2], 3u);  // 'b' after the two bytes of CRLF
}

TEST(XmlTextTest, NonAsciiCharacterReferenceIsUtf8) {
  absl::StatusOr<XmlText> t = UnescapeXmlText("&#xE9;");
  ASSERT_OK(t);
  EXPECT_EQ(t->text, "\xC3\xA9");
}

TEST(XmlTextTest, BadEntitiesAndMarkupAreRefusedWithTheOffset) {
  EXPECT_THAT(UnescapeXmlText("ab&nbsp;").status().message(), HasSubstr("&nbsp; at offset 2"));
  EXPECT_THAT(UnescapeXmlText("a&amp").status().message(), HasSubstr("unterminated entity"));
  EXPECT_THAT(UnescapeXmlText("a&#0;").status().message(), HasSubstr("unknown entity"));
  EXPECT_THAT(UnescapeXmlText("a&#-5;").status().message(), HasSubstr("unknown entity"));
  EXPECT_THAT(UnescapeXmlText("a<b").status().message(), HasSubstr("markup at offset 1"));
}

}  // namespace
}  // namespace osfleet
