#include <string>

#include "common/api/role.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
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
  EXPECT_THAT(both, StatusIs(absl::StatusCode::kInvalidArgument));
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

// ----- Roles -----------------------------------------------------------------------------

TEST(RoleTest, ParsesLongAndShortFormsInAnyCase) {
  EXPECT_EQ(*ParseRole("deployment_controller"), v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(*ParseRole("DC"), v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(*ParseRole("front_end"), v1::SERVER_ROLE_FRONT_END);
  EXPECT_EQ(*ParseRole("Fe"), v1::SERVER_ROLE_FRONT_END);
}

TEST(RoleTest, RefusesOtherNames) {
  for (const char* text : {"", "frontend", "controller", "unspecified", " dc"}) {
    absl::Status s = ParseRole(text).status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << "'" << text << "'";
    EXPECT_THAT(std::string(s.message()), HasSubstr("deployment_controller, front_end"));
  }
}

TEST(RoleTest, NamesRoundTrip) {
  EXPECT_EQ(RoleName(v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER), "deployment_controller");
  EXPECT_EQ(RoleName(v1::SERVER_ROLE_FRONT_END), "front_end");
  EXPECT_EQ(RoleName(v1::SERVER_ROLE_UNSPECIFIED), "unspecified");
  for (auto role : {v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER, v1::SERVER_ROLE_FRONT_END}) {
    EXPECT_EQ(*ParseRole(RoleName(role)), role);
  }
}

}  // namespace
}  // namespace osfleet
