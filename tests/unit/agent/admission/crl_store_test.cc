// The agent's CRL (agent/admission/revocation_list, crl_store): CRLs made by `osctl pki`
// (ctl/pki) are parsed and checked against the CA bundle; reloads pick up a new file and
// keep the last good list when the new one is bad or signed by another CA; the authorizer
// refuses a revoked certificate with UNAUTHENTICATED naming CN and serial.
#include "agent/admission/crl_store.h"

#include <openssl/pem.h>

#include <filesystem>
#include <string>

#include "agent/admission/authz.h"
#include "agent/admission/revocation_list.h"
#include "common/io/atomic_file.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;
namespace pki = ::osfleet::ctl::pki;

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> s = ReadFileCapped(path, 1 << 20);
  return s.ok() ? *s : "";
}

void Write(const std::string& path, const std::string& bytes) {
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
}

pki::X509Ptr Cert(const std::string& path) {
  absl::StatusOr<pki::X509Ptr> c = pki::ParseCertificatePem(Read(path), path);
  return c.ok() ? *std::move(c) : nullptr;
}

class CrlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCa(Dir(), "osfleet fleet CA");
    MakeCa(Other(), "rogue CA");
    for (const char* name : {"alice", "bob"}) Issue(Dir(), name);
    Issue(Other(), "alice");  // same CN, another CA
    Renew(Dir());             // an empty CRL to start from
    crl_ = tmp_.Sub("agent-crl.pem");
    Write(crl_, Read(Dir() + "/crl.pem"));
  }
  std::string Dir() const { return tmp_.Sub("pki"); }
  std::string Other() const { return tmp_.Sub("other"); }
  static void MakeCa(const std::string& dir, const std::string& name) {
    pki::InitOptions o;
    o.dir = dir;
    o.name = name;
    ASSERT_TRUE(pki::InitCa(o).ok());
  }
  static void Issue(const std::string& dir, const std::string& name) {
    pki::IssueOptions o;
    o.dir = dir;
    o.holder = pki::Holder::kOperator;
    o.name = name;
    o.role = "operator";
    o.days = pki::kDefaultOperatorDays;
    ASSERT_TRUE(pki::IssueCertificate(o).ok());
  }
  static void Revoke(const std::string& dir, const std::string& name) {
    pki::RevokeOptions o;
    o.dir = dir;
    o.name = name;
    absl::StatusOr<pki::CrlResult> r = pki::RevokeCertificate(o);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  static void Renew(const std::string& dir) {
    pki::CrlOptions o;
    o.dir = dir;
    o.renew = true;
    ASSERT_TRUE(pki::ReadOrRenewCrl(o).ok());
  }
  std::unique_ptr<CrlStore> Open() {
    absl::StatusOr<std::unique_ptr<CrlStore>> s = CrlStore::Open(crl_, Dir() + "/ca.pem");
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  bool Revoked(const CrlStore& store, const std::string& pem_path) {
    pki::X509Ptr cert = Cert(pem_path);
    return cert != nullptr && store.Find(cert.get()).has_value();
  }

  osfleet::testing::TempDir tmp_;
  std::string crl_;
};

TEST_F(CrlStoreTest, ParsesASignedCrlAndFindsOnlyTheRevokedIssuerAndSerial) {
  Revoke(Dir(), "alice");
  absl::StatusOr<RevocationList> list =
      RevocationList::Parse(Read(Dir() + "/crl.pem"), "crl.pem", Read(Dir() + "/ca.pem"));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 1u);
  EXPECT_EQ(list->number(), 2);
  EXPECT_THAT(list->Summary(), HasSubstr("CRL #2 from CN=osfleet fleet CA, 1 revoked"));
  pki::X509Ptr alice = Cert(Dir() + "/alice.pem");
  std::optional<Revocation> r = list->Find(alice.get());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->crl_number, 2);
  EXPECT_LE(r->revoked_at, absl::Now());
  EXPECT_FALSE(list->Find(Cert(Dir() + "/bob.pem").get()).has_value());
  EXPECT_FALSE(list->Find(Cert(Other() + "/alice.pem").get()).has_value());
}

TEST_F(CrlStoreTest, ACrlOfAnotherCaOrABadFileIsRefused) {
  Revoke(Other(), "alice");
  const std::string ca = Read(Dir() + "/ca.pem");
  absl::StatusOr<RevocationList> rogue =
      RevocationList::Parse(Read(Other() + "/crl.pem"), "crl.pem", ca);
  EXPECT_EQ(rogue.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(rogue.status().message(), HasSubstr("'CN=rogue CA', which is not a CA of tls.ca"));
  EXPECT_THAT(RevocationList::Parse("", "crl.pem", ca).status().message(),
              HasSubstr("crl.pem: no PEM X509 CRL block"));
  EXPECT_THAT(RevocationList::Parse("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
                                    "crl.pem", ca)
                  .status()
                  .message(),
              HasSubstr("crl.pem: CRL 1 does not parse"));
  // A CA with the same name but another key: the signature does not verify.
  MakeCa(tmp_.Sub("twin"), "osfleet fleet CA");
  Renew(tmp_.Sub("twin"));
  absl::StatusOr<RevocationList> twin =
      RevocationList::Parse(Read(tmp_.Sub("twin/crl.pem")), "crl.pem", ca);
  EXPECT_EQ(twin.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(twin.status().message(), HasSubstr("signature does not verify"));
}

TEST_F(CrlStoreTest, ABundleOfTwoCasAcceptsTheCrlsOfBoth) {
  Revoke(Dir(), "alice");
  Revoke(Other(), "alice");
  absl::StatusOr<RevocationList> list =
      RevocationList::Parse(Read(Dir() + "/crl.pem") + Read(Other() + "/crl.pem"), "crls.pem",
                            Read(Dir() + "/ca.pem") + Read(Other() + "/ca.pem"));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 2u);
  EXPECT_TRUE(list->Find(Cert(Other() + "/alice.pem").get()).has_value());
  EXPECT_FALSE(list->Find(Cert(Dir() + "/bob.pem").get()).has_value());
}

TEST_F(CrlStoreTest, ReloadPicksUpANewCrlAndKeepsTheLastGoodOne) {
  std::unique_ptr<CrlStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(Revoked(*store, Dir() + "/alice.pem"));
  EXPECT_EQ(*store->Reload(), false);  // unchanged
  Revoke(Dir(), "alice");
  Write(crl_, Read(Dir() + "/crl.pem"));
  EXPECT_EQ(*store->Reload(), true);
  EXPECT_TRUE(Revoked(*store, Dir() + "/alice.pem"));
  EXPECT_FALSE(Revoked(*store, Dir() + "/bob.pem"));

  Write(crl_, "not a CRL\n");
  absl::StatusOr<bool> bad = store->Reload();
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(crl_));
  EXPECT_TRUE(Revoked(*store, Dir() + "/alice.pem"));  // the last good list stays
  EXPECT_EQ(*store->Reload(), false);                  // the same bad bytes: not again

  Revoke(Other(), "alice");
  Write(crl_, Read(Other() + "/crl.pem"));
  EXPECT_EQ(store->Reload().status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Revoked(*store, Dir() + "/alice.pem"));

  std::filesystem::remove(crl_);
  EXPECT_EQ(store->Reload().status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Revoked(*store, Dir() + "/alice.pem"));
  Revoke(Dir(), "bob");
  Write(crl_, Read(Dir() + "/crl.pem"));
  EXPECT_EQ(*store->Reload(), true);
  EXPECT_TRUE(Revoked(*store, Dir() + "/bob.pem"));
}

TEST_F(CrlStoreTest, OpenRefusesAMissingUnparsableOrForeignCrlNamingTheFile) {
  const std::string ca = Dir() + "/ca.pem";
  absl::Status missing = CrlStore::Open(tmp_.Sub("none.pem"), ca).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("tls.crl: "));
  EXPECT_THAT(missing.message(), HasSubstr(tmp_.Sub("none.pem")));
  Write(crl_, "garbage");
  EXPECT_THAT(CrlStore::Open(crl_, ca).status().message(), HasSubstr(crl_ + ": no PEM X509 CRL"));
  Renew(Other());
  Write(crl_, Read(Other() + "/crl.pem"));
  EXPECT_EQ(CrlStore::Open(crl_, ca).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(CrlStoreTest, PollingPicksUpAChangeWithoutAnyCallToReload) {
  std::unique_ptr<CrlStore> store = Open();
  ASSERT_NE(store, nullptr);
  store->StartPolling(absl::Milliseconds(10));
  Revoke(Dir(), "bob");
  Write(crl_, Read(Dir() + "/crl.pem"));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!Revoked(*store, Dir() + "/bob.pem") && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));  // polling for a condition, not a fixed wait
  }
  EXPECT_TRUE(Revoked(*store, Dir() + "/bob.pem"));
}

TEST(CrlOrderTest, ALowerNumberOrWithoutNumbersAnOlderThisUpdateIsOlder) {
  const absl::Time t = absl::FromUnixSeconds(1800000000);
  const auto v = [](int64_t number, absl::Time this_update) {
    return CrlVersion{"CN=CA", number, this_update};
  };
  EXPECT_TRUE(IsOlderCrl(v(1, t + absl::Hours(1)), v(2, t)));  // the number decides
  EXPECT_FALSE(IsOlderCrl(v(3, t), v(2, t + absl::Hours(1))));
  EXPECT_TRUE(IsOlderCrl(v(2, t), v(2, t + absl::Seconds(1))));  // equal: thisUpdate decides
  EXPECT_FALSE(IsOlderCrl(v(2, t + absl::Seconds(1)), v(2, t)));
  EXPECT_FALSE(IsOlderCrl(v(2, t), v(2, t)));                     // the same CRL again
  EXPECT_TRUE(IsOlderCrl(v(-1, t), v(5, t + absl::Seconds(1))));  // a number missing
  EXPECT_FALSE(IsOlderCrl(v(5, t + absl::Seconds(1)), v(-1, t)));
  EXPECT_EQ(v(2, t).Describe(), "CRL #2 from CN=CA (thisUpdate 2027-01-15T08:00:00Z)");
}

TEST_F(CrlStoreTest, AnOlderCrlIsRefusedNowAndAfterARestart) {
  const std::string ca = Dir() + "/ca.pem";
  const std::string record = tmp_.Sub("state/crl-in-force.json");
  std::filesystem::create_directories(tmp_.Sub("state"));
  const std::string first = Read(crl_);  // #1, nobody revoked
  Revoke(Dir(), "alice");
  Write(crl_, Read(Dir() + "/crl.pem"));  // #2
  {
    absl::StatusOr<std::unique_ptr<CrlStore>> store = CrlStore::Open(crl_, ca, record);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE(Revoked(**store, Dir() + "/alice.pem"));
    Write(crl_, first);
    absl::StatusOr<bool> older = (*store)->Reload();
    EXPECT_EQ(older.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(older.status().message(),
                HasSubstr(crl_ + ": CRL #1 from CN=osfleet fleet CA (thisUpdate "));
    EXPECT_THAT(older.status().message(),
                HasSubstr(") is older than CRL #2 from CN=osfleet fleet CA (thisUpdate "));
    EXPECT_TRUE(Revoked(**store, Dir() + "/alice.pem"));  // the last good list stays
    EXPECT_EQ(*(*store)->Reload(), false);                // the same bytes: not again
  }
  // A restart: the record refuses what a store without one would take.
  absl::Status restarted = CrlStore::Open(crl_, ca, record).status();
  EXPECT_EQ(restarted.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(restarted.message(), HasSubstr("tls.crl: " + crl_ + ": CRL #1"));
  EXPECT_TRUE(CrlStore::Open(crl_, ca).ok());
  // A newer CRL is taken and recorded.
  Renew(Dir());
  Write(crl_, Read(Dir() + "/crl.pem"));  // #3
  EXPECT_TRUE(CrlStore::Open(crl_, ca, record).ok());
  EXPECT_THAT(Read(record), HasSubstr("\"number\": 3"));
  // A damaged record is an error naming it, not a silent reset.
  Write(record, "{\"crls\": [{\"issuer\": 1}]}");
  absl::Status damaged = CrlStore::Open(crl_, ca, record).status();
  EXPECT_EQ(damaged.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(damaged.message(), HasSubstr(record));
}

TEST(AuthzRevocationTest, ARevokedCallerIsUnauthenticatedWhateverItsRole) {
  Caller alice("alice", ClientRole::kOperator);
  alice.serial = "8F3A";
  alice.revoked = "on 2025-01-02T03:04:05Z (CRL #4)";
  for (const char* rpc : {"Agent.GetInfo", "Endpoints.Set"}) {
    absl::Status s = Authorize(alice, rpc);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << rpc;
    EXPECT_EQ(s.message(),
              "client certificate CN=alice serial 8F3A was revoked on 2025-01-02T03:04:05Z "
              "(CRL #4)");
  }
  alice.revoked.clear();
  EXPECT_TRUE(Authorize(alice, "Endpoints.Set").ok());
}

}  // namespace
}  // namespace osfleet::agent
