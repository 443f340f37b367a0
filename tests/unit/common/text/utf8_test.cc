#include "common/text/utf8.h"

#include "absl/strings/cord.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;

constexpr char kFffd[] = "\xEF\xBF\xBD";

TEST(Utf8Test, ValidTextIsKept) {
  for (const char* s : {"", "plain ASCII", "Caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
                        "\xEF\xBB\xBF<root/>", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(ValidUtf8(s), s);
  }
}

TEST(Utf8Test, CodePageBytesBecomeReplacementCharacters) {
  // "Caf\xe9" in Windows-1252, as a service writing in its code page would.
  EXPECT_FALSE(IsValidUtf8("Caf\xE9"));
  EXPECT_EQ(ValidUtf8("Caf\xE9 ok"), std::string("Caf") + kFffd + " ok");
  EXPECT_EQ(ValidUtf8("\xFF\xFE"), std::string(kFffd) + kFffd);
}

TEST(Utf8Test, TruncatedSequenceIsOneReplacement) {
  // The first two bytes of a three-byte euro sign, then text.
  EXPECT_EQ(ValidUtf8("\xE2\x82x"), std::string(kFffd) + "x");
  EXPECT_EQ(ValidUtf8("end\xF0\x9F\x98"), std::string("end") + kFffd);
}

TEST(Utf8Test, OverlongSurrogateAndOutOfRangeFormsAreRefused) {
  for (const char* s : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                        "\xF5\x80\x80\x80", "\x80", "\xBF"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << s;
    const std::string fixed = ValidUtf8(s);
    EXPECT_TRUE(IsValidUtf8(fixed));
    EXPECT_NE(fixed.find(kFffd), std::string::npos);
  }
  // Unicode's "maximal subpart" practice: ED A0 80 is three replacements.
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), std::string(kFffd) + kFffd + kFffd);
}

TEST(Utf8Test, EmbeddedNulIsKept) {
  const std::string s("a\0b", 3);
  EXPECT_TRUE(IsValidUtf8(s));
  EXPECT_EQ(ValidUtf8(s), s);
}

TEST(Utf8Test, EveryByteStringComesOutValid) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; j += 7) {
      all.push_back(static_cast<char>(i));
      all.push_back(static_cast<char>(j));
    }
  }
  EXPECT_TRUE(IsValidUtf8(ValidUtf8(all)));
}

TEST(Utf8Test, FirstInvalidUtf8SaysWhere) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::string::npos);
  EXPECT_EQ(FirstInvalidUtf8("Caf\xC3\xA9"), std::string::npos);
  EXPECT_EQ(FirstInvalidUtf8("Caf\xE9"), 3u);
  EXPECT_EQ(FirstInvalidUtf8("\xC3\xA9\xE2\x82"), 2u);  // a cut euro sign at the end
  EXPECT_EQ(FirstInvalidUtf8("\xFF"), 0u);
}

TEST(Utf8Test, ValidUtf8StatusKeepsCodeAndPayloads) {
  absl::Status status = absl::FailedPreconditionError("stop command: \xFF\xFE caf\xC3");
  status.SetPayload("type.osfleet.dev/refused", absl::Cord("1"));
  const absl::Status valid = ValidUtf8Status(status);
  EXPECT_THAT(valid, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(valid.message(), std::string("stop command: ") + kFffd + kFffd + " caf" + kFffd);
  EXPECT_TRUE(valid.GetPayload("type.osfleet.dev/refused").has_value());
  EXPECT_EQ(ValidUtf8Status(absl::OkStatus()), absl::OkStatus());
  const absl::Status fine = absl::NotFoundError("S\xC3\xA3o Paulo");
  EXPECT_EQ(ValidUtf8Status(fine), fine);
}

}  // namespace
}  // namespace osfleet
