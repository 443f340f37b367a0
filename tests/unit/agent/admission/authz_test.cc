// The role policy (every RPC x role) and reading the caller from a real certificate.
#include "agent/admission/authz.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

struct RpcRole {
  const char* rpc;
  ClientRole needs;
};

// Every RPC the agent serves, with the role it must need.
const RpcRole kPolicy[] = {
    {"Agent.GetInfo", ClientRole::kViewer},
    {"Agent.Check", ClientRole::kViewer},
    {"Endpoints.Get", ClientRole::kViewer},
    {"Endpoints.Plan", ClientRole::kViewer},
    {"Endpoints.ListBackups", ClientRole::kViewer},
    {"Endpoints.Probe", ClientRole::kViewer},
    {"Services.List", ClientRole::kViewer},
    {"Endpoints.Set", ClientRole::kOperator},
    {"Endpoints.Rollback", ClientRole::kOperator},
    {"Endpoints.Confirm", ClientRole::kOperator},
    {"Services.Control", ClientRole::kOperator},
    {"ServiceCenter.RunPhase", ClientRole::kOperator},
};

TEST(AuthzTest, EveryRpcTimesEveryRole) {
  for (const RpcRole& p : kPolicy) {
    SCOPED_TRACE(p.rpc);
    EXPECT_EQ(RequiredRole(p.rpc), p.needs);
    EXPECT_EQ(IsMutating(p.rpc), p.needs == ClientRole::kOperator);
    for (ClientRole role : {ClientRole::kNone, ClientRole::kViewer, ClientRole::kOperator}) {
      const absl::Status s = Authorize({"bob", role}, p.rpc);
      const bool allowed = role != ClientRole::kNone && role >= p.needs;
      EXPECT_EQ(s.ok(), allowed) << ClientRoleName(role) << ": " << s;
      if (!allowed) {
        EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
      }
    }
  }
}

TEST(AuthzTest, UnknownRpcNeedsOperator) {
  EXPECT_EQ(RequiredRole("Endpoints.DeleteEverything"), ClientRole::kOperator);
  EXPECT_EQ(RequiredRole(""), ClientRole::kOperator);
  EXPECT_FALSE(Authorize({"bob", ClientRole::kViewer}, "Endpoints.DeleteEverything").ok());
}

TEST(AuthzTest, DenialSaysWhichRoleIsNeeded) {
  EXPECT_EQ(Authorize({"bob", ClientRole::kViewer}, "Endpoints.Set").message(),
            "Endpoints.Set needs the operator role; CN=bob has viewer");
  EXPECT_EQ(Authorize({"dc01", ClientRole::kNone}, "Endpoints.Get").message(),
            "client certificate CN=dc01 has no osfleet role (OU=osfleet:viewer or "
            "osfleet:operator)");
}

TEST(AuthzTest, RoleFromOu) {
  EXPECT_EQ(RoleFromOu("osfleet:viewer"), ClientRole::kViewer);
  EXPECT_EQ(RoleFromOu("osfleet:operator"), ClientRole::kOperator);
  EXPECT_EQ(RoleFromOu("osfleet:agent"), ClientRole::kNone);
  EXPECT_EQ(RoleFromOu("OSFLEET:OPERATOR"), ClientRole::kNone);
  EXPECT_EQ(RoleFromOu("osfleet:operator "), ClientRole::kNone);
  EXPECT_EQ(RoleFromOu("operator"), ClientRole::kNone);
  EXPECT_EQ(RoleFromOu(""), ClientRole::kNone);
}

// A self-signed certificate with the given subject entries, as PEM.
std::string MakeCertificate(const std::vector<std::pair<std::string, std::string>>& subject) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [field, value] : subject) {
    X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pem;
}

TEST(AuthzTest, CallerFromCertificate) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> subject;
    std::string identity;
    ClientRole role;
  };
  const std::vector<Case> cases = {
      {{{"OU", "osfleet:viewer"}, {"CN", "bob"}}, "bob", ClientRole::kViewer},
      {{{"O", "Corp"}, {"OU", "osfleet:operator"}, {"CN", "alice"}},
       "alice",
       ClientRole::kOperator},
      {{{"OU", "osfleet:agent"}, {"CN", "dc01"}}, "dc01", ClientRole::kNone},
      {{{"CN", "plain"}}, "plain", ClientRole::kNone},
      {{{"OU", "Finance"}, {"OU", "osfleet:viewer"}, {"CN", "carol"}},
       "carol",
       ClientRole::kViewer},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.identity);
    absl::StatusOr<Caller> caller = CallerFromPem(MakeCertificate(c.subject));
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->identity, c.identity);
    EXPECT_EQ(caller->role, c.role);
  }
}

// Strict: not the strongest role of several, not the last of several CNs.
TEST(AuthzTest, CertificateThatIsNoClientCredentialIsRefused) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> subject;
    std::string invalid;
  };
  const std::vector<Case> cases = {
      {{{"OU", "osfleet:viewer"}, {"OU", "osfleet:operator"}, {"CN", "dave"}},
       "has 2 role OUs (\"osfleet:viewer\", \"osfleet:operator\"); a certificate must have "
       "exactly one"},
      {{{"OU", "osfleet:operator"}, {"OU", "osfleet:operator"}, {"CN", "dave"}}, "has 2 role OUs"},
      {{{"OU", "osfleet:Operator"}, {"CN", "dave"}}, "has OU \"osfleet:Operator\", which is not"},
      {{{"OU", "osfleet:operator"}}, "has no CN"},
      {{{"OU", "osfleet:operator"}, {"CN", "alice"}, {"CN", "admin"}},
       "has 2 CNs (\"alice\", \"admin\"); a client certificate must have exactly one"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.invalid);
    absl::StatusOr<Caller> caller = CallerFromPem(MakeCertificate(c.subject));
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_THAT(caller->invalid, HasSubstr(c.invalid));
    EXPECT_EQ(caller->role, ClientRole::kNone);
    const absl::Status s = Authorize(*caller, "Endpoints.Get");
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
    EXPECT_THAT(s.message(), HasSubstr(c.invalid));
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("serial ", caller->serial)));
  }
  absl::StatusOr<Caller> two = CallerFromPem(
      MakeCertificate({{"OU", "osfleet:operator"}, {"CN", "alice"}, {"CN", "admin"}}));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->identity, absl::StrCat("serial:", two->serial));  // neither CN is trusted
}

TEST(AuthzTest, OrganizationIsNotOrganizationalUnit) {
  absl::StatusOr<Caller> caller =
      CallerFromPem(MakeCertificate({{"O", "osfleet:operator"}, {"CN", "eve"}}));
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->role, ClientRole::kNone);
}

TEST(AuthzTest, GarbageIsNotACertificate) {
  absl::StatusOr<Caller> caller = CallerFromPem("-----BEGIN CERTIFICATE-----\nAAAA\n");
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(caller.status().message(), HasSubstr("not PEM X.509"));
  EXPECT_FALSE(CallerFromPem("").ok());
}

}  // namespace
}  // namespace osfleet::agent
