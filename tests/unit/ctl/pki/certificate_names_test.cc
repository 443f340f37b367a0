// SignCertificate refuses what agents refuse as a client certificate (a blank CN, an OU
// that only looks like a role, a CA with a role), so `osctl pki` cannot make one.
#include "absl/time/clock.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/certificate_info.h"
#include "ctl/pki/key.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl::pki {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

CertificateSpec Spec(std::string cn, std::string ou, bool ca) {
  CertificateSpec spec;
  spec.common_name = std::move(cn);
  spec.organizational_unit = std::move(ou);
  spec.is_ca = ca;
  spec.not_before = absl::Now() - absl::Hours(1);
  spec.not_after = absl::Now() + absl::Hours(24);
  return spec;
}

absl::Status Sign(const CertificateSpec& spec) {
  absl::StatusOr<KeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  return SignCertificate(spec, key->get(), nullptr, nullptr).status();
}

TEST(CertificateNamesTest, GoodCertificatesAreSigned) {
  EXPECT_OK(Sign(Spec("alice", "osfleet:operator", false)));
  EXPECT_OK(Sign(Spec("dc01", "osfleet:agent", false)));
  EXPECT_OK(Sign(Spec("osfleet fleet CA", "", true)));
}

TEST(CertificateNamesTest, BlankCommonNameIsRefused) {
  for (const char* cn : {"", " ", "\t"}) {
    const absl::Status s = Sign(Spec(cn, "osfleet:operator", false));
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(s.message(), HasSubstr("needs a CN"));
  }
}

TEST(CertificateNamesTest, CaWithARoleIsRefused) {
  const absl::Status s = Sign(Spec("sub CA", "osfleet:operator", true));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("a CA certificate gets no role OU"));
}

TEST(CertificateNamesTest, OuThatOnlyLooksLikeARoleIsRefused) {
  const absl::Status s = Sign(Spec("eve", "OSFLEET:Operator", false));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("which is not a role"));
}

}  // namespace
}  // namespace osfleet::ctl::pki
