// pki revoke / pki crl (ctl/pki/revoke.cc): the record accumulates, every CRL is signed by
// the CA with a growing crlNumber, and libcrypto's own CRL check refuses what it lists.
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/io/atomic_file.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/crl.h"
#include "ctl/pki/pki.h"
#include "ctl/pki/revocations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl::pki {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> s = ReadFileCapped(path, 1 << 20);
  return s.ok() ? *s : "";
}

X509Ptr Cert(const std::string& path) {
  absl::StatusOr<X509Ptr> c = ParseCertificatePem(Read(path), path);
  return c.ok() ? *std::move(c) : nullptr;
}

// X509_V_OK or the error of verifying `leaf` against `ca` with the CRL in crl_path checked.
int VerifyWithCrl(const std::string& leaf, const std::string& ca, const std::string& crl_path) {
  X509Ptr cert = Cert(leaf);
  X509Ptr root = Cert(ca);
  const std::string pem = Read(crl_path);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr || root == nullptr || crl == nullptr) return -1;
  StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root.get());
  X509_STORE_add_crl(store.get(), crl.get());
  X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

class RevokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    dir_ = root_ + "/pki";
    InitOptions init;
    init.dir = dir_;
    ASSERT_OK(InitCa(init));
    for (const char* name : {"alice", "bob"}) Issue(dir_, name);
  }
  static CertificateInfo Issue(const std::string& dir, const std::string& name) {
    IssueOptions o;
    o.dir = dir;
    o.holder = Holder::kOperator;
    o.name = name;
    o.role = "operator";
    o.days = kDefaultOperatorDays;
    absl::StatusOr<PkiResult> r = IssueCertificate(o);
    EXPECT_OK(r);
    return r.ok() ? r->certificate : CertificateInfo{};
  }
  // name, serial, cert_file: exactly one is meant to be set.
  absl::StatusOr<CrlResult> Revoke(std::string name, std::string serial = "", std::string file = "",
                                   int days = kDefaultCrlDays) {
    RevokeOptions o;
    o.dir = dir_;
    o.name = std::move(name);
    o.serial = std::move(serial);
    o.cert_file = std::move(file);
    o.days = days;
    return RevokeCertificate(o);
  }
  absl::StatusOr<CrlResult> Crl(bool renew = false, int days = kDefaultCrlDays) {
    CrlOptions o;
    o.dir = dir_;
    o.renew = renew;
    o.days = days;
    return ReadOrRenewCrl(o);
  }
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string root_, dir_;
};

TEST_F(RevokeTest, RevokingByNameWritesASignedCrlThatOpensslEnforces) {
  EXPECT_EQ(VerifyWithCrl(Path("alice.pem"), Path("ca.pem"), Path("ca.pem")), -1);  // no CRL
  absl::StatusOr<CrlResult> r = Revoke("alice");
  ASSERT_OK(r);
  ASSERT_TRUE(r->revoked.has_value());
  EXPECT_EQ(r->revoked->name, "alice");
  EXPECT_FALSE(r->already_revoked);
  ASSERT_TRUE(r->crl.has_value());
  EXPECT_EQ(r->crl->number, 1);
  EXPECT_EQ(r->crl->issuer, "CN=osfleet fleet CA");
  ASSERT_EQ(r->crl->revoked.size(), 1u);
  EXPECT_EQ(r->crl->revoked[0].serial, r->revoked->serial);
  const double days = absl::ToDoubleHours(r->crl->next_update - absl::Now()) / 24;
  EXPECT_NEAR(days, kDefaultCrlDays, 0.1);
  EXPECT_LT(r->crl->this_update, absl::Now());
  EXPECT_EQ(VerifyWithCrl(Path("alice.pem"), Path("ca.pem"), Path("crl.pem")),
            X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(VerifyWithCrl(Path("bob.pem"), Path("ca.pem"), Path("crl.pem")), X509_V_OK);
}

TEST_F(RevokeTest, RepeatedRevokesAccumulateAndTheCrlNumberGrows) {
  ASSERT_OK(Revoke("alice"));
  absl::StatusOr<CertificateInfo> bob = ReadCertificateInfo(Path("bob.pem"));
  ASSERT_OK(bob);
  absl::StatusOr<CrlResult> r = Revoke("", bob->serial);  // by serial this time
  ASSERT_OK(r);
  EXPECT_EQ(r->crl->number, 2);
  EXPECT_EQ(r->crl->revoked.size(), 2u);
  EXPECT_EQ(r->record.size(), 2u);
  EXPECT_EQ(VerifyWithCrl(Path("alice.pem"), Path("ca.pem"), Path("crl.pem")),
            X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(VerifyWithCrl(Path("bob.pem"), Path("ca.pem"), Path("crl.pem")),
            X509_V_ERR_CERT_REVOKED);
  // Revoking again changes nothing in the list and says so; the file form works too.
  absl::StatusOr<CrlResult> again = Revoke("", "", Path("alice.pem"));
  ASSERT_OK(again);
  EXPECT_TRUE(again->already_revoked);
  EXPECT_EQ(again->crl->revoked.size(), 2u);
  EXPECT_EQ(again->crl->number, 3);
  absl::StatusOr<Revocations> record = LoadRevocations(dir_);
  ASSERT_OK(record);
  EXPECT_EQ(record->crl_number, 3);
  EXPECT_EQ(record->revoked[0].name, "alice");
}

TEST_F(RevokeTest, CrlShowsTheRecordAndRenewSignsTheNextNumber) {
  absl::StatusOr<CrlResult> none = Crl();
  ASSERT_OK(none);
  EXPECT_FALSE(none->crl.has_value());
  EXPECT_TRUE(none->record.empty());
  absl::StatusOr<CrlResult> empty = Crl(true, 7);
  ASSERT_OK(empty);
  EXPECT_EQ(empty->crl->number, 1);
  EXPECT_TRUE(empty->crl->revoked.empty());
  EXPECT_NEAR(absl::ToDoubleHours(empty->crl->next_update - absl::Now()) / 24, 7, 0.1);
  ASSERT_OK(Revoke("bob"));
  absl::StatusOr<CrlResult> shown = Crl();
  ASSERT_OK(shown);
  EXPECT_TRUE(shown->files.empty());
  EXPECT_EQ(shown->crl->number, 2);
  ASSERT_EQ(shown->record.size(), 1u);
  EXPECT_EQ(shown->record[0].name, "bob");
}

TEST_F(RevokeTest, RefusalsNameWhatIsWrongAndWriteNothing) {
  EXPECT_THAT(Revoke(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Revoke("alice", "01"), StatusIs(absl::StatusCode::kInvalidArgument));
  absl::Status missing = Revoke("carol").status();
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(missing.message(), HasSubstr(Path("carol.pem") + " not found"));
  EXPECT_THAT(Revoke("", "xyz").status().message(), HasSubstr("not a hex serial"));
  EXPECT_THAT(Revoke("alice", "", "", 0), StatusIs(absl::StatusCode::kInvalidArgument));
  absl::Status ca = Revoke("", "", Path("ca.pem")).status();
  EXPECT_THAT(ca, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ca.message(), HasSubstr("rotated"));
  // A certificate another CA signed is not this CA's to revoke.
  const std::string other = root_ + "/other";
  InitOptions init;
  init.dir = other;
  init.name = "rogue CA";
  ASSERT_OK(InitCa(init));
  Issue(other, "mallory");
  absl::Status foreign = Revoke("", "", other + "/mallory.pem").status();
  EXPECT_THAT(foreign, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(foreign.message(), HasSubstr("was not signed by this CA"));
  EXPECT_FALSE(std::filesystem::exists(Path("crl.pem")));
  EXPECT_FALSE(std::filesystem::exists(Path("revoked.json")));
}

TEST_F(RevokeTest, ACrlFromAnotherCaIsRefusedWhenRead) {
  ASSERT_OK(Revoke("alice"));
  X509Ptr other = Cert(Path("alice.pem"));  // not the CA: its key did not sign the CRL
  absl::StatusOr<CrlInfo> info = ReadCrlPem(Read(Path("crl.pem")), "crl.pem", other.get());
  EXPECT_THAT(info, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(info.status().message(), HasSubstr("not signed by this CA"));
  EXPECT_FALSE(ReadCrlPem("garbage", "x.pem", nullptr).ok());
}

TEST(CrlSerialTest, SerialsAreNormalized) {
  EXPECT_EQ(*NormalizeSerial("8f:3a:00"), "8F3A00");
  EXPECT_EQ(*NormalizeSerial("0x00AB"), "AB");
  EXPECT_EQ(*NormalizeSerial(" 1f "), "1F");
  EXPECT_FALSE(NormalizeSerial("").ok());
  EXPECT_FALSE(NormalizeSerial("00").ok());
  EXPECT_FALSE(NormalizeSerial("12g4").ok());
  EXPECT_FALSE(NormalizeSerial(std::string(41, 'A')).ok());
}

}  // namespace
}  // namespace osfleet::ctl::pki
