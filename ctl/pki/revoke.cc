// pki revoke and pki crl (declared in ctl/pki/pki.h): the record in DIR/revoked.json and the
// CRL signed from it.
#include <openssl/err.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "ctl/pki/ca.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/names.h"
#include "ctl/pki/pki.h"
#include "ctl/pki/pki_dir.h"
#include "ctl/pki/revocations.h"

namespace osfleet::ctl::pki {
namespace {

constexpr int kMaxCrlDays = 3650;
constexpr size_t kMaxPemBytes = 1 << 20;

absl::Status CheckCrlDays(int days) {
  if (days >= 1 && days <= kMaxCrlDays) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--days: ", days, " is not in 1..", kMaxCrlDays));
}

absl::StatusOr<X509Ptr> ReadCertificate(const std::string& path, absl::string_view missing) {
  absl::StatusOr<std::string> pem = ReadFileCapped(path, kMaxPemBytes);
  if (absl::IsNotFound(pem.status())) {
    return absl::FailedPreconditionError(absl::StrCat(path, " not found", missing));
  }
  if (!pem.ok()) return absl::FailedPreconditionError(pem.status().message());
  return ParseCertificatePem(*pem, path);
}

absl::Status RefuseTheCa(const std::string& serial, const Ca& ca, absl::string_view what) {
  if (serial != ca.info.serial) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, " is the CA's own certificate; a CA is not revoked but rotated (docs/pki.md)"));
}

// The certificate in `path`, checked to be one this CA signed.
absl::StatusOr<RevokedCertificate> FromFile(const std::string& path, absl::string_view missing,
                                            const Ca& ca) {
  absl::StatusOr<X509Ptr> cert = ReadCertificate(path, missing);
  if (!cert.ok()) return cert.status();
  if (X509_verify(cert->get(), X509_get0_pubkey(ca.cert.get())) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(path, " was not signed by this CA (", ca.info.subject, ")"));
  }
  absl::StatusOr<CertificateInfo> info = DescribeCertificate(cert->get());
  if (!info.ok()) return info.status();
  if (absl::Status s = RefuseTheCa(info->serial, ca, path); !s.ok()) return s;
  return RevokedCertificate{info->serial, absl::Now(), info->common_name, info->subject};
}

absl::StatusOr<RevokedCertificate> Target(const RevokeOptions& o, const Ca& ca) {
  const int given = !o.name.empty() + !o.serial.empty() + !o.cert_file.empty();
  if (given != 1) {
    return absl::InvalidArgumentError("give exactly one of NAME, --serial HEX and --cert FILE");
  }
  if (!o.cert_file.empty()) return FromFile(o.cert_file, "", ca);
  if (!o.name.empty()) {
    if (absl::Status s = ValidateHolderName(o.name); !s.ok()) return s;
    return FromFile(PathIn(o.dir, o.name + ".pem"),
                    absl::StrCat(": no certificate issued for ", o.name, " in ", o.dir), ca);
  }
  absl::StatusOr<std::string> serial = NormalizeSerial(o.serial);
  if (!serial.ok()) return serial.status();
  if (absl::Status s = RefuseTheCa(*serial, ca, "--serial " + o.serial); !s.ok()) return s;
  return RevokedCertificate{*serial, absl::Now(), "", ""};
}

// Signs DIR/crl.pem from the record, which already carries the new crlNumber.
absl::StatusOr<CrlInfo> WriteCrl(const std::string& dir, const Ca& ca, const Revocations& record,
                                 int days) {
  const absl::Time now = absl::Now();
  CrlSpec spec{record.crl_number, now - kClockSkew,
               std::min(now + absl::Hours(24) * days, ca.info.not_after), record.revoked};
  absl::StatusOr<std::string> pem = SignCrlPem(spec, ca.cert.get(), ca.key.get());
  if (!pem.ok()) return pem.status();
  const std::string path = PathIn(dir, kCrlFile);
  AtomicWriteOptions options;
  options.new_file_mode = kCertificateMode;
  if (absl::Status s = WriteFileAtomically(path, *pem, options); !s.ok()) return s;
  return ReadCrlPem(*pem, path, ca.cert.get());
}

// The record saved with the next crlNumber, then the CRL signed from it: a failure between
// the two leaves the revocation recorded, and `pki crl --renew` signs it.
absl::StatusOr<CrlResult> SignNext(const std::string& dir, const Ca& ca, Revocations record,
                                   int days) {
  ++record.crl_number;
  if (absl::Status s = SaveRevocations(dir, record); !s.ok()) return s;
  CrlResult result;
  absl::StatusOr<CrlInfo> crl = WriteCrl(dir, ca, record, days);
  if (!crl.ok()) return crl.status();
  result.crl = *std::move(crl);
  result.crl_path = PathIn(dir, kCrlFile);
  result.files = {{PathIn(dir, kRevocationsFile), kCertificateMode, "osctl's revocation record"},
                  {result.crl_path, kCertificateMode,
                   absl::StrCat("CRL #", record.crl_number, " (X509 CRL, signed by the CA)")}};
  result.record = std::move(record.revoked);
  return result;
}

// What DIR/crl.pem holds now (checked against the CA); none when there is no such file.
absl::StatusOr<std::optional<CrlInfo>> ReadCrlFile(const std::string& dir, X509* ca) {
  const std::string path = PathIn(dir, kCrlFile);
  absl::StatusOr<std::string> pem = ReadFileCapped(path, 64 << 20);
  if (absl::IsNotFound(pem.status())) return std::optional<CrlInfo>();
  if (!pem.ok()) return absl::FailedPreconditionError(pem.status().message());
  absl::StatusOr<CrlInfo> info = ReadCrlPem(*pem, path, ca);
  if (!info.ok()) return info.status();
  return std::optional<CrlInfo>(*std::move(info));
}

}  // namespace

absl::StatusOr<CrlResult> RevokeCertificate(const RevokeOptions& o) {
  if (o.dir.empty()) return absl::InvalidArgumentError("--dir is required");
  if (absl::Status s = CheckCrlDays(o.days); !s.ok()) return s;
  absl::StatusOr<Ca> ca = LoadCa(o.dir);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<RevokedCertificate> target = Target(o, *ca);
  if (!target.ok()) return target.status();
  absl::StatusOr<Revocations> record = LoadRevocations(o.dir);
  if (!record.ok()) return record.status();
  const RevokedCertificate* before = FindRevoked(*record, target->serial);
  const bool already = before != nullptr;
  if (already) {
    *target = *before;
  } else {
    record->revoked.push_back(*target);
  }
  absl::StatusOr<CrlResult> result = SignNext(o.dir, *ca, *std::move(record), o.days);
  if (!result.ok()) return result.status();
  result->revoked = *std::move(target);
  result->already_revoked = already;
  return result;
}

absl::StatusOr<CrlResult> ReadOrRenewCrl(const CrlOptions& o) {
  if (o.dir.empty()) return absl::InvalidArgumentError("--dir is required");
  if (absl::Status s = CheckCrlDays(o.days); !s.ok()) return s;
  absl::StatusOr<Ca> ca = LoadCa(o.dir);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<Revocations> record = LoadRevocations(o.dir);
  if (!record.ok()) return record.status();
  if (o.renew) return SignNext(o.dir, *ca, *std::move(record), o.days);
  CrlResult result;
  result.crl_path = PathIn(o.dir, kCrlFile);
  absl::StatusOr<std::optional<CrlInfo>> crl = ReadCrlFile(o.dir, ca->cert.get());
  if (!crl.ok()) return crl.status();
  result.crl = *std::move(crl);
  result.record = std::move(record->revoked);
  return result;
}

}  // namespace osfleet::ctl::pki
