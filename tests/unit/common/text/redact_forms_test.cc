// The Redactor on the forms a tool logs a password in: escaped (JSON, .NET, XML, URL, quotes
// doubled), UTF-16, cut short at a line's end (OutputTail cuts lines at 512 bytes), wrapped;
// named cases first, then many random passwords from a seeded generator (the same cases
// redact_fuzz explores).
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/text/redact.h"
#include "common/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fuzz/redact_cases.h"

namespace osfleet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A database password with every character that needs escaping somewhere.
constexpr char kPassword[] = "p\"a\\s/s&<w>'o rd+%\xC3\xA9\xF0\x9F\x98\x80";

Redactor PasswordRedactor() {
  Redactor r;
  r.AddSecret(kPassword);
  return r;
}

TEST(RedactFormsTest, JsonAndDotNetEscapedPasswordsAreMasked) {
  const Redactor r = PasswordRedactor();
  // nlohmann::json, json_encode (\/ and ASCII only), System.Text.Json (\u0022, upper case).
  EXPECT_EQ(r.Redact("{\"password\":\"p\\\"a\\\\s/s&<w>'o rd+%\xC3\xA9\xF0\x9F\x98\x80\"}"),
            "{\"password\":\"***\"}");
  EXPECT_EQ(r.Redact("{\"pw\":\"p\\\"a\\\\s\\/s&<w>'o rd+%\\u00e9\\ud83d\\ude00\"}"),
            "{\"pw\":\"***\"}");
  EXPECT_EQ(r.Redact("pw=p\\u0022a\\\\s/s\\u0026\\u003Cw\\u003E\\u0027o rd\\u002B%\\u00E9"
                     "\\uD83D\\uDE00;"),
            "pw=***;");
}

TEST(RedactFormsTest, XmlUrlAndQuotedPasswordsAreMasked) {
  const Redactor r = PasswordRedactor();
  EXPECT_EQ(r.Redact("<pw>p&quot;a\\s/s&amp;&lt;w&gt;&apos;o rd+%&#233;&#128512;</pw>"),
            "<pw>***</pw>");
  EXPECT_EQ(r.Redact("<pw>p&#x22;a\\s/s&#x26;&#x3C;w&#x3E;&#x27;o rd+%&#xe9;&#x1F600;</pw>"),
            "<pw>***</pw>");
  EXPECT_EQ(r.Redact("pw=p%22a%5Cs%2Fs%26%3Cw%3E%27o+rd%2B%25%C3%A9%F0%9F%98%80&x=1"),
            "pw=***&x=1");
  EXPECT_EQ(r.Redact("pw=p%22a%5cs%2fs%26%3cw%3e%27o%20rd%2b%25%c3%a9%f0%9f%98%80&x=1"),
            "pw=***&x=1");
  EXPECT_EQ(r.Redact("EXEC sp_password 'p\"a\\s/s&<w>''o rd+%\xC3\xA9\xF0\x9F\x98\x80'"),
            "EXEC sp_password '***'");
}

TEST(RedactFormsTest, Utf16PasswordsAreMasked) {
  const Redactor r = PasswordRedactor();
  for (bool big_endian : {false, true}) {
    const std::string line = Utf8ToUtf16(absl::StrCat("password: ", kPassword, "\n"), big_endian);
    const std::string redacted = r.Redact(line);
    EXPECT_THAT(redacted, HasSubstr("***"));
    EXPECT_THAT(redacted, Not(HasSubstr(Utf8ToUtf16("p\"a\\", big_endian))));
    // JSON-escaped in a UTF-16 log.
    const std::string json = Utf8ToUtf16("{\"pw\":\"p\\\"a\\\\s/s&<w>'o rd+%\"}", big_endian);
    EXPECT_THAT(r.Redact(json), Not(HasSubstr(Utf8ToUtf16("p\\\"a", big_endian))));
  }
}

TEST(RedactFormsTest, LinesCutShortAreMaskedAtTheirEnd) {
  Redactor r;
  r.AddSecret("ab\"9");
  // A 4-character password cut after 3 at a line's end (OutputTail's 512-byte cut) or at
  // the text's end; inside "\"" too.
  EXPECT_EQ(r.Redact("user sa password ab\\\"\nnext"), "user sa password ***\nnext");
  EXPECT_EQ(r.Redact("password ab\"\r\n"), "password ***\r\n");
  EXPECT_EQ(r.Redact("password ab\\"), "password ab\\");  // 2 characters: too few to tell
  EXPECT_EQ(r.Redact("password ab&quo"), "password ab&quo");
  Redactor long_one;
  long_one.AddSecret("Long\"Password\\42");
  EXPECT_EQ(long_one.Redact("pw=Long\\\"Pas\npw=Long&quot;Password\\42 x\npw=Lon\\u00"),
            "pw=***\npw=*** x\npw=***");
  // Inside a line, a cut needs kMinSecretChars characters.
  EXPECT_EQ(long_one.Redact("Long\\\"Pa, Lon!"), "***, Lon!");
  // The rest of a wrapped line at the start of the next one.
  EXPECT_EQ(long_one.Redact("pw=Lo\n[tool] x\nssword\\\\42 end"), "pw=Lo\n[tool] x\n*** end");
}

// Found by redact_fuzz: a cut start at a line's end, folded over the line break, runs into
// the next line's whole password; the spans are united, nothing of it shows.
TEST(RedactFormsTest, ACutStartRunningIntoTheNextLinesPasswordHidesNothing) {
  Redactor r;
  r.AddSecret("XXXXXXXXX   %XXXXX");
  EXPECT_EQ(r.Redact("v XXXXX\nXXXXXXXXX   %XXXXX\nXXXXXXXXX   %XXXXX"), "v ***");
  EXPECT_EQ(r.Redact("v XXXXXXXXXXXX   %XXXXX w"), "v *** w");  // overlapping, one line
}

TEST(RedactFormsTest, TextWithoutThePasswordStays) {
  const Redactor r = PasswordRedactor();
  for (const char* text : {"plain text", "p\\\"x", "&quot;&amp;", "%22%5C", "pa", "ab\n"}) {
    EXPECT_EQ(r.Redact(text), text);
  }
}

TEST(RedactFormsTest, RandomPasswordsInEveryFormAreMasked) {
  std::mt19937_64 random(20261207);
  const redact_cases::Pick pick = [&random](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(random);
  };
  for (int i = 0; i < 20000; ++i) {
    const redact_cases::Case c =
        redact_cases::MakeCase(pick, Redactor::kMinCutChars, Redactor::kMinSecretChars);
    Redactor r;
    r.AddSecret(c.secret);
    const std::string redacted = r.Redact(c.text);
    const int survivor = redact_cases::Survivor(c, redacted);
    ASSERT_LT(survivor, 0) << "case " << i << ": form " << survivor << " of \""
                           << absl::CHexEscape(c.secret) << "\" survived in \""
                           << absl::CHexEscape(redacted) << "\" (text \""
                           << absl::CHexEscape(c.text) << "\")";
  }
}

}  // namespace
}  // namespace osfleet
