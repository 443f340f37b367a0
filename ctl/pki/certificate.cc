#include "ctl/pki/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/role.h"

namespace osfleet::ctl::pki {
namespace {

absl::Status SetRandomSerial(X509* cert) {
  BignumPtr serial(BN_new());
  // 128 random bits with the top one set: positive, non-zero, always 16 bytes.
  if (serial == nullptr || BN_rand(serial.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslError("making a random serial number");
  }
  return absl::OkStatus();
}

absl::Status SetValidity(X509* cert, absl::Time not_before, absl::Time not_after) {
  if (ASN1_TIME_set(X509_getm_notBefore(cert), absl::ToTimeT(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), absl::ToTimeT(not_after)) == nullptr) {
    return OpenSslError("setting the validity period");
  }
  return absl::OkStatus();
}

absl::Status AddNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(value.data());
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, static_cast<int>(value.size()),
                                 -1, 0) != 1) {
    return OpenSslError(absl::StrCat("setting the subject's ", field, " to '", value, "'"));
  }
  return absl::OkStatus();
}

absl::Status SetSubject(X509* cert, const CertificateSpec& spec) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (!spec.organizational_unit.empty()) {
    if (absl::Status s = AddNameEntry(name, "OU", spec.organizational_unit); !s.ok()) return s;
  }
  return AddNameEntry(name, "CN", spec.common_name);
}

std::vector<std::pair<int, std::string>> ExtensionsFor(const CertificateSpec& spec) {
  if (spec.is_ca) {
    return {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
            {NID_key_usage, "critical,keyCertSign,cRLSign"},
            {NID_subject_key_identifier, "hash"}};
  }
  std::vector<std::pair<int, std::string>> out = {{NID_basic_constraints, "critical,CA:FALSE"},
                                                  {NID_key_usage, "critical,digitalSignature"},
                                                  {NID_subject_key_identifier, "hash"},
                                                  {NID_authority_key_identifier, "keyid:always"}};
  if (!spec.extended_key_usage.empty()) {
    out.emplace_back(NID_ext_key_usage, spec.extended_key_usage);
  }
  if (!spec.subject_alt_names.empty()) {
    out.emplace_back(NID_subject_alt_name, absl::StrJoin(spec.subject_alt_names, ","));
  }
  return out;
}

absl::Status AddExtensions(X509* cert, X509* issuer, const CertificateSpec& spec) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : ExtensionsFor(spec)) {
    ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
    if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
      return OpenSslError(absl::StrCat("adding the extension ", OBJ_nid2ln(nid), " = ", value));
    }
  }
  return absl::OkStatus();
}

// What agents would refuse is never signed: no CN, or a role OU that is not exactly one
// role (common/api/role.h), or a CA certificate with a role.
absl::Status CheckNames(const CertificateSpec& spec) {
  if (absl::StripAsciiWhitespace(spec.common_name).empty()) {
    return absl::InvalidArgumentError("a certificate needs a CN (a name that is not blank)");
  }
  std::vector<std::string> units;
  if (!spec.organizational_unit.empty()) units.push_back(spec.organizational_unit);
  const absl::StatusOr<std::string> role = CertificateRole(units);
  if (!role.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the certificate ", role.status().message()));
  }
  if (spec.is_ca && !role->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a CA certificate gets no role OU (not ", spec.organizational_unit, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<X509Ptr> SignCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                        X509* issuer, EVP_PKEY* issuer_key) {
  if (absl::Status s = CheckNames(spec); !s.ok()) return s;
  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return OpenSslError("making a certificate");
  }
  if (absl::Status s = SetRandomSerial(cert.get()); !s.ok()) return s;
  if (absl::Status s = SetValidity(cert.get(), spec.not_before, spec.not_after); !s.ok()) return s;
  if (absl::Status s = SetSubject(cert.get(), spec); !s.ok()) return s;
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
    return OpenSslError("setting the issuer name");
  }
  if (absl::Status s = AddExtensions(cert.get(), signer, spec); !s.ok()) return s;
  EVP_PKEY* signing_key = issuer != nullptr ? issuer_key : subject_key;
  if (X509_sign(cert.get(), signing_key, EVP_sha256()) <= 0) {
    return OpenSslError("signing the certificate");
  }
  return cert;
}

absl::StatusOr<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslError("encoding the certificate as PEM");
  }
  return BioContents(bio.get());
}

absl::StatusOr<X509Ptr> ParseCertificatePem(absl::string_view pem, absl::string_view source) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("reading a certificate");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(source, ": no PEM CERTIFICATE block"));
  }
  return cert;
}

}  // namespace osfleet::ctl::pki
