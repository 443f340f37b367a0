#include "ctl/pki/ca.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/key.h"
#include "ctl/pki/pki_dir.h"

namespace osfleet::ctl::pki {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

absl::StatusOr<std::string> ReadCaFile(const std::string& path, const std::string& dir) {
  absl::StatusOr<std::string> bytes = ReadFileCapped(path, kMaxPemBytes);
  if (absl::IsNotFound(bytes.status())) {
    return absl::FailedPreconditionError(absl::StrCat(path, " not found: no fleet CA in ", dir,
                                                      " (run `osctl pki init --dir ", dir, "`)"));
  }
  if (!bytes.ok()) return absl::FailedPreconditionError(bytes.status().message());
  return bytes;
}

absl::Status CheckCa(const Ca& ca, const std::string& cert_path, const std::string& key_path) {
  if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(key_path, " is not the private key of ", cert_path));
  }
  if (!ca.info.is_ca) {
    return absl::FailedPreconditionError(
        absl::StrCat(cert_path, " is not a CA certificate (no basicConstraints CA:TRUE)"));
  }
  if (ca.info.not_after <= absl::Now()) {
    return absl::FailedPreconditionError(absl::StrCat(
        cert_path, ": the CA expired on ", Day(ca.info.not_after), "; rotate it (docs/pki.md)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Day(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

absl::StatusOr<Ca> LoadCa(const std::string& dir) {
  const std::string cert_path = PathIn(dir, "ca.pem");
  const std::string key_path = PathIn(dir, "ca.key");
  absl::StatusOr<std::string> cert_pem = ReadCaFile(cert_path, dir);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadCaFile(key_path, dir);
  if (!key_pem.ok()) return key_pem.status();
  Ca ca;
  absl::StatusOr<X509Ptr> cert = ParseCertificatePem(*cert_pem, cert_path);
  if (!cert.ok()) return cert.status();
  ca.cert = *std::move(cert);
  absl::StatusOr<KeyPtr> key = ParsePrivateKeyPem(*key_pem, key_path);
  if (!key.ok()) return key.status();
  ca.key = *std::move(key);
  absl::StatusOr<CertificateInfo> info = DescribeCertificate(ca.cert.get());
  if (!info.ok()) return info.status();
  ca.info = *std::move(info);
  if (absl::Status s = CheckCa(ca, cert_path, key_path); !s.ok()) return s;
  return ca;
}

}  // namespace osfleet::ctl::pki
