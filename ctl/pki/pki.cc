#include "ctl/pki/pki.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "ctl/pki/ca.h"
#include "ctl/pki/certificate.h"
#include "ctl/pki/key.h"
#include "ctl/pki/names.h"
#include "ctl/pki/pki_dir.h"

namespace osfleet::ctl::pki {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;
constexpr int kMaxCaDays = 7300;
constexpr int kMaxLeafDays = 3650;
constexpr char kKeyContents[] = "EC P-256 private key (PKCS#8, unencrypted)";

absl::Status CheckDays(int days, int max) {
  if (days >= 1 && days <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--days: ", days, " is not in 1..", max));
}

absl::Status CheckCaName(const std::string& name) {
  const bool printable = std::all_of(name.begin(), name.end(),
                                     [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
  if (!name.empty() && name.size() <= 64 && printable) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--name: '", name, "' must be 1..64 characters without control characters"));
}

absl::StatusOr<PkiResult> WritePair(const std::string& dir, const std::string& name, EVP_PKEY* key,
                                    X509* cert, const std::string& cert_contents) {
  absl::StatusOr<std::string> key_pem = PrivateKeyToPem(key);
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> cert_pem = CertificateToPem(cert);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<CertificateInfo> info = DescribeCertificate(cert);
  if (!info.ok()) return info.status();
  PkiResult result;
  result.files = {{PathIn(dir, name + ".key"), kKeyMode, kKeyContents},
                  {PathIn(dir, name + ".pem"), kCertificateMode, cert_contents}};
  if (absl::Status s =
          WriteKeyAndCertificate(result.files[0].path, *key_pem, result.files[1].path, *cert_pem);
      !s.ok()) {
    return s;
  }
  result.certificate = *std::move(info);
  return result;
}

absl::Status FillHolder(const IssueOptions& o, CertificateSpec& spec) {
  if (o.holder == Holder::kOperator) {
    if (!o.sans.empty()) {
      return absl::InvalidArgumentError("--san is only for agent certificates");
    }
    absl::StatusOr<std::string> unit = OperatorUnit(o.role);
    if (!unit.ok()) return unit.status();
    spec.organizational_unit = *unit;
    spec.extended_key_usage = "clientAuth";
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> sans = AgentSubjectAltNames(o.name, o.sans);
  if (!sans.ok()) return sans.status();
  spec.organizational_unit = kAgentUnit;
  spec.subject_alt_names = *std::move(sans);
  // clientAuth too: an agent may present its certificate as a client (peer checks).
  spec.extended_key_usage = "serverAuth,clientAuth";
  return absl::OkStatus();
}

absl::StatusOr<CertificateSpec> HolderSpec(const IssueOptions& o) {
  if (absl::Status s = ValidateHolderName(o.name); !s.ok()) return s;
  if (absl::Status s = CheckDays(o.days, kMaxLeafDays); !s.ok()) return s;
  if (o.backdate_days < 0) {
    return absl::InvalidArgumentError("--backdate-days: must not be negative");
  }
  CertificateSpec spec;
  spec.common_name = o.name;
  if (absl::Status s = FillHolder(o, spec); !s.ok()) return s;
  const absl::Time start = absl::Now() - absl::Hours(24) * o.backdate_days;
  spec.not_before = start - kClockSkew;
  spec.not_after = start + absl::Hours(24) * o.days;
  return spec;
}

absl::Status CheckWithinCa(const CertificateSpec& spec, const CertificateInfo& ca, int days) {
  if (spec.not_after <= ca.not_after) return absl::OkStatus();
  const int64_t left = absl::ToInt64Hours(ca.not_after - absl::Now()) / 24;
  return absl::InvalidArgumentError(
      absl::StrCat("--days: ", days, " would outlive the CA, which expires on ", Day(ca.not_after),
                   "; use --days ", left, " or fewer, or rotate the CA (docs/pki.md)"));
}

}  // namespace

absl::StatusOr<PkiResult> InitCa(const InitOptions& o) {
  if (o.dir.empty()) return absl::InvalidArgumentError("--dir is required");
  if (absl::Status s = CheckDays(o.days, kMaxCaDays); !s.ok()) return s;
  if (absl::Status s = CheckCaName(o.name); !s.ok()) return s;
  const std::vector<std::string> files = {PathIn(o.dir, "ca.key"), PathIn(o.dir, "ca.pem")};
  if (absl::Status s = RefuseToOverwrite(files, o.force); !s.ok()) return s;
  if (absl::Status s = EnsurePrivateDir(o.dir); !s.ok()) return s;
  absl::StatusOr<KeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  CertificateSpec spec;
  spec.common_name = o.name;
  spec.is_ca = true;
  spec.not_before = absl::Now() - kClockSkew;
  spec.not_after = absl::Now() + absl::Hours(24) * o.days;
  absl::StatusOr<X509Ptr> cert = SignCertificate(spec, key->get(), nullptr, nullptr);
  if (!cert.ok()) return cert.status();
  return WritePair(o.dir, "ca", key->get(), cert->get(), "CA certificate (self-signed)");
}

absl::StatusOr<PkiResult> IssueCertificate(const IssueOptions& o) {
  if (o.dir.empty()) return absl::InvalidArgumentError("--dir is required");
  absl::StatusOr<CertificateSpec> spec = HolderSpec(o);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<Ca> ca = LoadCa(o.dir);
  if (!ca.ok()) return ca.status();
  if (absl::Status s = CheckWithinCa(*spec, ca->info, o.days); !s.ok()) return s;
  const std::vector<std::string> files = {PathIn(o.dir, o.name + ".key"),
                                          PathIn(o.dir, o.name + ".pem")};
  if (absl::Status s = RefuseToOverwrite(files, o.force); !s.ok()) return s;
  absl::StatusOr<KeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert = SignCertificate(*spec, key->get(), ca->cert.get(), ca->key.get());
  if (!cert.ok()) return cert.status();
  const bool agent = o.holder == Holder::kAgent;
  return WritePair(o.dir, o.name, key->get(), cert->get(),
                   agent ? "agent certificate" : "operator certificate");
}

absl::StatusOr<CertificateInfo> ReadCertificateInfo(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileCapped(path, kMaxPemBytes);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<X509Ptr> cert = ParseCertificatePem(*pem, path);
  if (!cert.ok()) return cert.status();
  return DescribeCertificate(cert->get());
}

}  // namespace osfleet::ctl::pki
