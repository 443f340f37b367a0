// Checks of one end's own TLS files (common/api/tls_check.h) with certificates made by the
// fleet PKI.
#include "common/api/tls_check.h"

#include <stdlib.h>

#include <filesystem>

#include "common/io/atomic_file.h"
#include "ctl/pki/pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

class TlsCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ctl::pki::InitOptions init;
    init.dir = dir_;
    ASSERT_OK(ctl::pki::InitCa(init));
    for (const char* name : {"dc01", "fe01"}) {
      ctl::pki::IssueOptions o;
      o.dir = dir_;
      o.name = name;
      ASSERT_OK(ctl::pki::IssueCertificate(o));
    }
  }
  std::string Read(const std::string& file) const {
    absl::StatusOr<std::string> pem = ReadFileCapped(dir_ + "/" + file, 1 << 20);
    return pem.ok() ? *pem : "";
  }
  TlsFiles Files(const std::string& cert, const std::string& key) const {
    return {dir_ + "/ca.pem", dir_ + "/" + cert, dir_ + "/" + key};
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_;
};

TEST_F(TlsCheckTest, AKeyAndItsCertificateMatch) {
  EXPECT_TRUE(CheckKeyMatchesCertificate(Files("dc01.pem", "dc01.key"), Read("dc01.pem"),
                                         Read("dc01.key"), "fix")
                  .ok());
}

TEST_F(TlsCheckTest, AnotherCertificatesKeyIsRefusedNamingBothFiles) {
  absl::Status s = CheckKeyMatchesCertificate(Files("dc01.pem", "fe01.key"), Read("dc01.pem"),
                                              Read("fe01.key"), "re-issue");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(s.message(), "--tls-key " + dir_ + "/fe01.key does not belong to the certificate in " +
                             "--tls-cert " + dir_ +
                             "/dc01.pem (their public keys differ); re-issue");
}

TEST_F(TlsCheckTest, AKeyThatDoesNotParseIsInvalid) {
  absl::Status s = CheckKeyMatchesCertificate(
      Files("dc01.pem", "x.key"), Read("dc01.pem"),
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "fix");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("not a readable PEM private key"));
}

TEST_F(TlsCheckTest, ValidityIsReadAndJudgedAgainstTheGivenClock) {
  absl::StatusOr<CertificateValidity> v = ReadValidity(dir_ + "/dc01.pem", Read("dc01.pem"));
  ASSERT_OK(v);
  EXPECT_EQ(ValidityProblem(*v, absl::Now()), "");
  EXPECT_FALSE(Expired(*v, absl::Now()));
  const absl::Time later = v->not_after + absl::Seconds(1);
  EXPECT_TRUE(Expired(*v, later));
  EXPECT_EQ(ValidityProblem(*v, later), "expired on " + CertificateTime(v->not_after));
  EXPECT_EQ(ValidityProblem(*v, v->not_before - absl::Seconds(1)),
            "is not valid before " + CertificateTime(v->not_before));
  EXPECT_EQ(CertificateTime(absl::FromUnixSeconds(0)), "1970-01-01 00:00 UTC");
}

TEST_F(TlsCheckTest, ACertificateThatDoesNotParseIsInvalid) {
  absl::StatusOr<CertificateValidity> v = ReadValidity("/x.pem", "not a certificate");
  EXPECT_THAT(v, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(v.status().message(), HasSubstr("--tls-cert /x.pem: not a readable PEM"));
}

}  // namespace
}  // namespace osfleet
