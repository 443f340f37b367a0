#include "common/api/tls_check.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/api/asn1_time.h"

namespace osfleet {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

// A memory BIO over pem (read-only, not copied).
std::unique_ptr<BIO, BioFree> PemBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr FirstCertificate(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio = PemBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return cert;
}

// A callback that refuses to ask for a passphrase (an encrypted key does not load).
int NoPassphrase(char*, int, int, void*) { return 0; }

KeyPtr PrivateKey(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio = PemBio(pem);
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  ERR_clear_error();
  return key;
}

absl::Status NotACertificate(const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat("--tls-cert ", path, ": not a readable PEM certificate"));
}

}  // namespace

std::string CertificateTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

absl::StatusOr<CertificateValidity> ReadValidity(const std::string& cert_path,
                                                 const std::string& cert_pem) {
  X509Ptr cert = FirstCertificate(cert_pem);
  if (cert == nullptr) return NotACertificate(cert_path);
  std::optional<absl::Time> not_before = Asn1TimeToAbsl(X509_get0_notBefore(cert.get()));
  std::optional<absl::Time> not_after = Asn1TimeToAbsl(X509_get0_notAfter(cert.get()));
  if (!not_before || !not_after) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert ", cert_path, ": the validity dates cannot be read"));
  }
  return CertificateValidity{*not_before, *not_after};
}

absl::Status CheckKeyMatchesCertificate(const TlsFiles& files, const std::string& cert_pem,
                                        const std::string& key_pem, absl::string_view fix) {
  X509Ptr cert = FirstCertificate(cert_pem);
  if (cert == nullptr) return NotACertificate(files.cert);
  KeyPtr key = PrivateKey(key_pem);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-key ", files.key,
        ": not a readable PEM private key (an encrypted key is not supported: store it "
        "unencrypted, readable only by this account)"));
  }
  const int match = X509_check_private_key(cert.get(), key.get());
  ERR_clear_error();
  if (match == 1) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("--tls-key ", files.key, " does not belong to the certificate in --tls-cert ",
                   files.cert, " (their public keys differ); ", fix));
}

bool Expired(const CertificateValidity& validity, absl::Time now) {
  return now > validity.not_after;
}

std::string ValidityProblem(const CertificateValidity& validity, absl::Time now) {
  if (Expired(validity, now)) {
    return absl::StrCat("expired on ", CertificateTime(validity.not_after));
  }
  if (now < validity.not_before) {
    return absl::StrCat("is not valid before ", CertificateTime(validity.not_before));
  }
  return "";
}

CertificateVerdict JudgeCertificate(const CertificateValidity& validity, absl::Time now) {
  CertificateVerdict v;
  const absl::Duration left = validity.not_after - now;
  v.days_left = absl::ToInt64Hours(left) / 24;
  const std::string problem = ValidityProblem(validity, now);
  if (!problem.empty()) {
    v.health = CertificateHealth::kUnusable;
    v.reason = absl::StrCat(problem, " (this clock: ", CertificateTime(now), ")");
    return v;
  }
  const std::string days = absl::StrCat(v.days_left, v.days_left == 1 ? " day" : " days");
  if (left < kCertificateWarnWithin) {
    v.health = CertificateHealth::kExpiresSoon;
    v.reason = absl::StrCat("expires on ", CertificateTime(validity.not_after), ": ", days,
                            " left (warned under ", absl::ToInt64Hours(kCertificateWarnWithin) / 24,
                            "); re-issue it before then");
    return v;
  }
  v.reason =
      absl::StrCat("valid until ", CertificateTime(validity.not_after), " (", days, " left)");
  return v;
}

}  // namespace osfleet
