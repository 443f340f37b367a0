// The fleet PKI (ctl/pki): files and modes, the CA's and the leaves' extensions, chain
// verification with libcrypto, and every refusal.
#include "ctl/pki/pki.h"

#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/io/atomic_file.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/key.h"
#include "ctl/pki/names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl::pki {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

X509Ptr LoadCert(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileCapped(path, 1 << 20);
  if (!pem.ok()) return nullptr;
  absl::StatusOr<X509Ptr> cert = ParseCertificatePem(*pem, path);
  return cert.ok() ? *std::move(cert) : nullptr;
}

KeyPtr LoadKey(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileCapped(path, 1 << 20);
  if (!pem.ok()) return nullptr;
  absl::StatusOr<KeyPtr> key = ParsePrivateKeyPem(*pem, path);
  return key.ok() ? *std::move(key) : nullptr;
}

// X509_V_OK or the verification error of `cert` against a store holding only `ca`.
int Verify(X509* cert, X509* ca, int purpose) {
  StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

double ValidDays(const CertificateInfo& info) {
  return absl::ToDoubleHours(info.not_after - absl::Now()) / 24;
}

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    dir_ = root_ + "/fleet/pki";  // neither level exists yet
  }

  PkiResult Init(const std::string& dir, int days = kDefaultCaDays) {
    InitOptions o;
    o.dir = dir;
    o.days = days;
    absl::StatusOr<PkiResult> r = InitCa(o);
    EXPECT_OK(r);
    return r.ok() ? *r : PkiResult{};
  }
  IssueOptions Agent(const std::string& name, std::vector<std::string> sans = {}) const {
    IssueOptions o;
    o.dir = dir_;
    o.name = name;
    o.sans = std::move(sans);
    return o;
  }
  IssueOptions Operator(const std::string& name, const std::string& role) const {
    IssueOptions o;
    o.dir = dir_;
    o.holder = Holder::kOperator;
    o.name = name;
    o.role = role;
    o.days = kDefaultOperatorDays;
    return o;
  }
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string root_, dir_;
};

TEST_F(PkiTest, InitCreatesAPrivateFolderAKey0600AndACertificate0644) {
  PkiResult r = Init(dir_);
  EXPECT_EQ(ModeOf(dir_), 0700u);
  EXPECT_EQ(ModeOf(Path("ca.key")), 0600u);
  EXPECT_EQ(ModeOf(Path("ca.pem")), 0644u);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].path, Path("ca.key"));
  EXPECT_EQ(r.files[1].path, Path("ca.pem"));
  absl::StatusOr<std::string> key = ReadFileCapped(Path("ca.key"), 1 << 20);
  ASSERT_OK(key);
  EXPECT_THAT(*key, StartsWith("-----BEGIN PRIVATE KEY-----"));  // PKCS#8, unencrypted
  EXPECT_EQ(r.certificate.subject, "CN=osfleet fleet CA");
  EXPECT_EQ(r.certificate.sha256.size(), 32u * 3 - 1);
}

TEST_F(PkiTest, CaCertificateIsASelfSignedP256CaWithPathlenZero) {
  PkiResult r = Init(dir_);
  X509Ptr ca = LoadCert(Path("ca.pem"));
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(Verify(ca.get(), ca.get(), X509_PURPOSE_ANY), X509_V_OK);
  EXPECT_EQ(X509_verify(ca.get(), X509_get0_pubkey(ca.get())), 1);
  EXPECT_TRUE(r.certificate.is_ca);
  EXPECT_EQ(X509_get_pathlen(ca.get()), 0);
  const int bc = X509_get_ext_by_NID(ca.get(), NID_basic_constraints, -1);
  ASSERT_GE(bc, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(ca.get(), bc)), 1);
  EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca.get()), nullptr));
  EXPECT_EQ(BN_num_bits(serial.get()), 128);
  EXPECT_FALSE(BN_is_negative(serial.get()));
  char group[64] = "";
  EXPECT_EQ(EVP_PKEY_get_group_name(X509_get0_pubkey(ca.get()), group, sizeof(group), nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_NEAR(ValidDays(r.certificate), 3650, 0.01);
}

TEST_F(PkiTest, AgentCertificateVerifiesAgainstTheCaWithItsNamesAndUnit) {
  Init(dir_);
  absl::StatusOr<PkiResult> r =
      IssueCertificate(Agent("dc01", {"10.0.0.5", "DC01.corp.example", "::1", "DNS:dc01"}));
  ASSERT_OK(r);
  EXPECT_EQ(ModeOf(Path("dc01.key")), 0600u);
  EXPECT_EQ(ModeOf(Path("dc01.pem")), 0644u);
  X509Ptr ca = LoadCert(Path("ca.pem"));
  X509Ptr cert = LoadCert(Path("dc01.pem"));
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(Verify(cert.get(), ca.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(Verify(cert.get(), ca.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_THAT(r->certificate.subject_alt_names,
              ElementsAre("DNS:dc01", "IP:10.0.0.5", "DNS:dc01.corp.example", "IP:::1"));
  EXPECT_EQ(X509_check_host(cert.get(), "dc01", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.5", 0), 1);
  EXPECT_EQ(r->certificate.common_name, "dc01");
  EXPECT_EQ(r->certificate.organizational_unit, "osfleet:agent");
  EXPECT_EQ(RoleOf(r->certificate), "agent");
  EXPECT_THAT(r->certificate.extended_key_usage, ElementsAre("serverAuth", "clientAuth"));
  EXPECT_FALSE(r->certificate.is_ca);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert.get()),
                                  X509_get0_subject_key_id(ca.get())),
            0);
  KeyPtr key = LoadKey(Path("dc01.key"));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_NEAR(ValidDays(r->certificate), 397, 0.01);
}

TEST_F(PkiTest, OperatorCertificateCarriesItsRoleAndIsForClientsOnly) {
  Init(dir_);
  X509Ptr ca = LoadCert(Path("ca.pem"));
  for (const std::string role : {"viewer", "operator"}) {
    absl::StatusOr<PkiResult> r = IssueCertificate(Operator("alice-" + role, role));
    ASSERT_OK(r);
    EXPECT_EQ(r->certificate.organizational_unit, "osfleet:" + role);
    EXPECT_EQ(RoleOf(r->certificate), role);
    EXPECT_EQ(r->certificate.common_name, "alice-" + role);
    EXPECT_THAT(r->certificate.extended_key_usage, ElementsAre("clientAuth"));
    EXPECT_TRUE(r->certificate.subject_alt_names.empty());
    X509Ptr cert = LoadCert(Path("alice-" + role + ".pem"));
    EXPECT_EQ(Verify(cert.get(), ca.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    EXPECT_EQ(Verify(cert.get(), ca.get(), X509_PURPOSE_SSL_SERVER), X509_V_ERR_INVALID_PURPOSE);
    EXPECT_NEAR(ValidDays(r->certificate), 90, 0.01);
    EXPECT_EQ(ModeOf(Path("alice-" + role + ".key")), 0600u);
  }
}

TEST_F(PkiTest, InitRefusesToReplaceACaUnlessForced) {
  const std::string first = Init(dir_).certificate.sha256;
  InitOptions o;
  o.dir = dir_;
  absl::StatusOr<PkiResult> again = InitCa(o);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(again.status().message(), HasSubstr(Path("ca.key") + " already exists"));
  EXPECT_EQ(LoadCert(Path("ca.pem")) != nullptr, true);
  o.force = true;
  absl::StatusOr<PkiResult> forced = InitCa(o);
  ASSERT_OK(forced);
  EXPECT_NE(forced->certificate.sha256, first);
}

TEST_F(PkiTest, IssueRefusesToReplaceFilesUnlessForcedAndForcedKeysStayPrivate) {
  Init(dir_);
  ASSERT_OK(IssueCertificate(Agent("fe01")));
  absl::StatusOr<PkiResult> again = IssueCertificate(Agent("fe01"));
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(again.status().message(), HasSubstr(Path("fe01.key")));
  ASSERT_EQ(chmod(Path("fe01.key").c_str(), 0644), 0);
  IssueOptions forced = Agent("fe01");
  forced.force = true;
  ASSERT_OK(IssueCertificate(forced));
  EXPECT_EQ(ModeOf(Path("fe01.key")), 0600u);
}

TEST_F(PkiTest, BadNamesAreRefusedAndWriteNothing) {
  Init(dir_);
  const std::vector<std::string> names = {
      "", "../x", "a/b", "ca", "all", ".hidden", "-rf", "dc 01", "dc01\n", std::string(65, 'a')};
  for (const std::string& name : names) {
    absl::StatusOr<PkiResult> r = IssueCertificate(Agent(name));
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
  }
  EXPECT_OK(IssueCertificate(Agent(std::string(64, 'a'))));
  EXPECT_OK(IssueCertificate(Agent("fe-02.corp_x")));
  EXPECT_FALSE(Exists(Path(".hidden.key")));
  EXPECT_FALSE(Exists(root_ + "/fleet/x.key"));
}

TEST_F(PkiTest, BadRolesDaysAndSansAreInvalidArguments) {
  Init(dir_);
  auto code = [](const IssueOptions& o) { return IssueCertificate(o).status().code(); };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code(Operator("bob", "admin")), kInvalid);
  EXPECT_EQ(code(Operator("bob", "")), kInvalid);
  EXPECT_THAT(IssueCertificate(Operator("bob", "root")).status().message(),
              HasSubstr("'root' is not one of viewer, operator"));
  IssueOptions with_san = Operator("bob", "viewer");
  with_san.sans = {"host"};
  EXPECT_EQ(code(with_san), kInvalid);
  for (int days : {0, -1, 3651}) {
    IssueOptions o = Agent("fe03");
    o.days = days;
    EXPECT_EQ(code(o), kInvalid) << days;
  }
  EXPECT_EQ(code(Agent("fe03", {"bad host!"})), kInvalid);
  EXPECT_THAT(IssueCertificate(Agent("fe03", {"IP:fe03"})).status().message(),
              HasSubstr("not an IPv4 or IPv6 address"));
  InitOptions init;
  init.dir = root_ + "/other";
  init.days = 0;
  EXPECT_EQ(InitCa(init).status().code(), kInvalid);
  EXPECT_FALSE(Exists(Path("fe03.key")));
}

TEST_F(PkiTest, IssueWithoutACaIsAFailedPreconditionNamingTheFile) {
  ASSERT_EQ(mkdir((root_ + "/empty").c_str(), 0700), 0);
  IssueOptions o = Agent("dc01");
  o.dir = root_ + "/empty";
  absl::StatusOr<PkiResult> r = IssueCertificate(o);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(r.status().message(), HasSubstr(root_ + "/empty/ca.pem not found"));
  EXPECT_THAT(r.status().message(), HasSubstr("osctl pki init"));
}

TEST_F(PkiTest, ACaKeyThatDoesNotMatchTheCertificateIsRefused) {
  Init(dir_);
  Init(root_ + "/other");
  std::filesystem::copy_file(root_ + "/other/ca.key", Path("ca.key"),
                             std::filesystem::copy_options::overwrite_existing);
  absl::StatusOr<PkiResult> r = IssueCertificate(Agent("dc01"));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(r.status().message(), HasSubstr("is not the private key of " + Path("ca.pem")));
}

TEST_F(PkiTest, ACertificateFromAnotherCaFailsVerification) {
  Init(dir_);
  const std::string other = root_ + "/other";
  Init(other);
  IssueOptions o = Operator("mallory", "operator");
  o.dir = other;
  ASSERT_OK(IssueCertificate(o));
  X509Ptr ca = LoadCert(Path("ca.pem"));
  X509Ptr rogue = LoadCert(other + "/mallory.pem");
  EXPECT_EQ(Verify(rogue.get(), ca.get(), X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(PkiTest, BackdatedCertificatesAreExpired) {
  Init(dir_);
  IssueOptions o = Operator("old", "viewer");
  o.days = 1;
  o.backdate_days = 2;
  absl::StatusOr<PkiResult> r = IssueCertificate(o);
  ASSERT_OK(r);
  EXPECT_LT(r->certificate.not_after, absl::Now());
  EXPECT_EQ(Verify(LoadCert(Path("old.pem")).get(), LoadCert(Path("ca.pem")).get(),
                   X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(PkiTest, ACertificateMayNotOutliveItsCa) {
  Init(dir_, 30);
  absl::StatusOr<PkiResult> r = IssueCertificate(Agent("dc01"));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.status().message(), HasSubstr("would outlive the CA"));
  IssueOptions shorter = Agent("dc01");
  shorter.days = 29;
  EXPECT_OK(IssueCertificate(shorter));
}

TEST_F(PkiTest, ReadCertificateInfoNamesWhatIsWrong) {
  Init(dir_);
  EXPECT_THAT(ReadCertificateInfo(Path("nope.pem")), StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<CertificateInfo> key = ReadCertificateInfo(Path("ca.key"));
  EXPECT_THAT(key.status().message(), HasSubstr(Path("ca.key") + ": no PEM CERTIFICATE block"));
  absl::StatusOr<CertificateInfo> ca = ReadCertificateInfo(Path("ca.pem"));
  ASSERT_OK(ca);
  EXPECT_EQ(ca->issuer, "CN=osfleet fleet CA");
}

TEST(PkiNamesTest, SubjectAltNamesAreCanonicalAndUnique) {
  absl::StatusOr<std::vector<std::string>> sans = AgentSubjectAltNames(
      "fe01", {"IP:2001:DB8:0:0::5", "Fe01.Example.COM", "fe01.example.com", "192.168.1.1"});
  ASSERT_OK(sans);
  EXPECT_THAT(*sans,
              ElementsAre("DNS:fe01", "IP:2001:db8::5", "DNS:fe01.example.com", "IP:192.168.1.1"));
  EXPECT_FALSE(AgentSubjectAltNames("fe01", {"a,b"}).ok());
  EXPECT_FALSE(AgentSubjectAltNames("fe01", {""}).ok());
}

}  // namespace
}  // namespace osfleet::ctl::pki
