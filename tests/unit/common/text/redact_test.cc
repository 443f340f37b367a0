#include "common/text/redact.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "osfleet-admin";
constexpr char kBare[] = "Zx9SecretHash+Value/0123456789abcdef==";

Redactor ScRedactor() {
  Redactor r;
  r.AddSecret(kBare);
  r.AddBasicCredentials(kUser, absl::StrCat("#", kBare));
  r.AddBasicCredentials(kUser, kBare);
  return r;
}

std::string Token() { return absl::Base64Escape(absl::StrCat(kUser, ":#", kBare)); }

TEST(RedactTest, PlainAndEncryptedFormsAreMasked) {
  const Redactor r = ScRedactor();
  EXPECT_EQ(r.Redact(absl::StrCat("password=#", kBare, ";")), "password=***;");
  EXPECT_EQ(r.Redact(absl::StrCat("<password>#", kBare, "</password>")),
            "<password>***</password>");
  EXPECT_EQ(r.Redact("nothing secret here"), "nothing secret here");
  EXPECT_EQ(r.Redact(""), "");
}

TEST(RedactTest, BasicHeaderAndBareBase64AreMasked) {
  const Redactor r = ScRedactor();
  EXPECT_EQ(r.Redact(absl::StrCat("Authorization: Basic ", Token(), "\r\nHost: x")),
            "Authorization: Basic ***\r\nHost: x");
  EXPECT_EQ(r.Redact(absl::StrCat("echo: ", Token(), " end")), "echo: *** end");
  std::string unpadded = Token();
  while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
  EXPECT_EQ(r.Redact(absl::StrCat("[", unpadded, "%3D]")), "[***%3D]");
  const std::string web = absl::WebSafeBase64Escape(absl::StrCat(kUser, ":#", kBare));
  EXPECT_THAT(r.Redact(absl::StrCat("x ", web)), "x ***");
  const std::string no_hash = absl::Base64Escape(absl::StrCat(kUser, ":", kBare));
  EXPECT_EQ(r.Redact(absl::StrCat("x ", no_hash)), "x ***");
}

TEST(RedactTest, EncodedFormsOfTheSecretAreMasked) {
  const Redactor r = ScRedactor();
  EXPECT_EQ(r.Redact("p=%23Zx9SecretHash%2BValue%2F0123456789abcdef%3D%3D&x=1"), "p=***&x=1");
  EXPECT_EQ(r.Redact("p=%23Zx9SecretHash%2bValue%2f0123456789abcdef%3d%3d&x=1"), "p=***&x=1");
  EXPECT_EQ(r.Redact("{\"p\":\"#Zx9SecretHash+Value\\/0123456789abcdef==\"}"), "{\"p\":\"***\"}");
}

TEST(RedactTest, CutShortFormsAreMasked) {
  const Redactor r = ScRedactor();
  // The sender cut the echo: the start of the secret or of the token, then "…".
  EXPECT_EQ(r.Redact("password #Zx9Secr…"), "password ***…");
  const std::string token = Token();
  EXPECT_EQ(r.Redact(absl::StrCat("auth ", token.substr(0, 30), "..")), "auth ***..");
  // Too short to carry the secret: the base64 of the user name alone is not masked.
  const std::string user_part = absl::Base64Escape(absl::StrCat(kUser, ":")).substr(0, 16);
  EXPECT_EQ(r.Redact(absl::StrCat("x ", user_part, " y")), absl::StrCat("x ", user_part, " y"));
}

TEST(RedactTest, FoldedOrWrappedFormsAreMasked) {
  const Redactor r = ScRedactor();
  const std::string token = Token();
  // Header folding (obsolete line folding) and a snippet that folds whitespace.
  EXPECT_EQ(r.Redact(absl::StrCat("Authorization: Basic ", token.substr(0, 20), "\r\n ",
                                  token.substr(20), "\r\nHost: x")),
            "Authorization: Basic ***\r\nHost: x");
  EXPECT_EQ(r.Redact(absl::StrCat("t ", token.substr(0, 33), " ", token.substr(33), " end")),
            "t *** end");
  EXPECT_EQ(r.Redact("Zx9Secret Hash+Value/0123\n456789abcdef=="), "***");
}

TEST(RedactTest, AnyBasicCredentialIsMaskedWithoutKnowingIt) {
  const std::string other = absl::Base64Escape("someone:Passw0rd!");
  EXPECT_EQ(RedactBasicCredentials(absl::StrCat("authorization: basic ", other, ";")),
            "authorization: basic ***;");
  EXPECT_EQ(RedactBasicCredentials(absl::StrCat("BASIC\t", other.substr(0, 12), "...")),
            "BASIC\t***...");
  // A folded token: both halves.
  EXPECT_EQ(RedactBasicCredentials(
                absl::StrCat("Basic ", other.substr(0, 7), " ", other.substr(7), " ok")),
            "Basic *** ok");
  // Words that are not credentials stay.
  for (const char* s : {"Basic authentication failed", "WWW-Authenticate: Basic realm=\"SC\"",
                        "basic", "Basic  ", "the basics of it", "Basic dXNlcg=="}) {
    EXPECT_EQ(RedactBasicCredentials(s), s);
  }
}

TEST(RedactTest, WithoutSecretsOnlyTheGenericFormIsMasked) {
  const Redactor none;
  EXPECT_EQ(none.Redact("#Zx9SecretHash"), "#Zx9SecretHash");
  EXPECT_THAT(none.Redact(absl::StrCat("Basic ", Token())), Not(HasSubstr(Token().substr(20))));
}

}  // namespace
}  // namespace osfleet
