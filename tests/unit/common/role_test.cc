#include "common/role.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet {
namespace {

using ::testing::HasSubstr;

TEST(CertificateRoleTest, OneRoleOu) {
  EXPECT_EQ(*CertificateRole({"osfleet:viewer"}), "viewer");
  EXPECT_EQ(*CertificateRole({"Ops", "osfleet:operator", "Paris"}), "operator");
  EXPECT_EQ(*CertificateRole({"osfleet:agent"}), "agent");
}

TEST(CertificateRoleTest, NoRoleOu) {
  EXPECT_EQ(*CertificateRole({}), "");
  EXPECT_EQ(*CertificateRole({"Ops", "fleet:operator", "osfleet"}), "");
}

TEST(CertificateRoleTest, TwoRolesOrTheSameTwiceAreRefused) {
  const absl::StatusOr<std::string> both = CertificateRole({"osfleet:viewer", "osfleet:operator"});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(both.status().message(),
            "has 2 role OUs (\"osfleet:viewer\", \"osfleet:operator\"); a certificate must have "
            "exactly one");
  EXPECT_FALSE(CertificateRole({"osfleet:operator", "osfleet:operator"}).ok());
  EXPECT_FALSE(CertificateRole({"osfleet:agent", "osfleet:operator"}).ok());
}

TEST(CertificateRoleTest, LookalikesAreRefusedNotIgnored) {
  for (const char* ou : {"OSFLEET:Operator", "osfleet:operator ", " osfleet:operator",
                         "osfleet:Operator", "osfleet:admin", "osfleet:", "Osfleet:viewer"}) {
    const absl::StatusOr<std::string> role = CertificateRole({ou});
    EXPECT_FALSE(role.ok()) << ou;
    EXPECT_THAT(role.status().message(), HasSubstr("which is not a role")) << ou;
  }
}

TEST(CertificateRoleTest, ControlCharactersInTheMessageAreEscaped) {
  const absl::StatusOr<std::string> role = CertificateRole({"osfleet:op\x1b[2J"});
  ASSERT_FALSE(role.ok());
  EXPECT_THAT(role.status().message(), HasSubstr("\"osfleet:op\\u001b[2J\""));
}

}  // namespace
}  // namespace osfleet
