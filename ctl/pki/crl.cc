#include "ctl/pki/crl.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cctype>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/asn1_time.h"

namespace osfleet::ctl::pki {
namespace {

using CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using RevokedPtr = OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;
using IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;

constexpr long kCrlVersion2 = 1;  // X509_CRL_VERSION_2

std::string HexOf(const ASN1_INTEGER* value) {
  BignumPtr bn(ASN1_INTEGER_to_BN(value, nullptr));
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

absl::StatusOr<absl::Time> TimeOf(const ASN1_TIME* time, const char* what) {
  std::optional<absl::Time> t = Asn1TimeToAbsl(time);
  if (!t) return OpenSslError(absl::StrCat("reading ", what));
  return *t;
}

absl::Status SetTime(X509_CRL* crl, absl::Time t, bool next) {
  TimePtr asn1(ASN1_TIME_set(nullptr, absl::ToTimeT(t)));
  const int ok = asn1 == nullptr ? 0
                 : next          ? X509_CRL_set1_nextUpdate(crl, asn1.get())
                                 : X509_CRL_set1_lastUpdate(crl, asn1.get());
  if (ok != 1) return OpenSslError(next ? "setting nextUpdate" : "setting thisUpdate");
  return absl::OkStatus();
}

absl::Status AddRevoked(X509_CRL* crl, const RevokedCertificate& r) {
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, r.serial.c_str()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("serial '", r.serial, "' is not hex"));
  }
  BignumPtr bn(raw);
  IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  TimePtr when(ASN1_TIME_set(nullptr, absl::ToTimeT(r.revoked_at)));
  RevokedPtr entry(X509_REVOKED_new());
  if (serial == nullptr || when == nullptr || entry == nullptr ||
      X509_REVOKED_set_serialNumber(entry.get(), serial.get()) != 1 ||
      X509_REVOKED_set_revocationDate(entry.get(), when.get()) != 1 ||
      X509_CRL_add0_revoked(crl, entry.get()) != 1) {
    return OpenSslError(absl::StrCat("adding serial ", r.serial, " to the CRL"));
  }
  (void)entry.release();  // the CRL owns it now
  return absl::OkStatus();
}

absl::Status AddExtensions(X509_CRL* crl, X509* ca, int64_t number) {
  IntegerPtr crl_number(ASN1_INTEGER_new());
  if (crl_number == nullptr || ASN1_INTEGER_set_int64(crl_number.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl, NID_crl_number, crl_number.get(), 0, 0) != 1) {
    return OpenSslError("adding the crlNumber");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, nullptr, nullptr, crl, 0);
  ExtensionPtr aki(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (aki == nullptr || X509_CRL_add_ext(crl, aki.get(), -1) != 1) {
    return OpenSslError("adding the authorityKeyIdentifier");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RevokedCertificate>> RevokedOf(X509_CRL* crl) {
  std::vector<RevokedCertificate> out;
  STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
    absl::StatusOr<absl::Time> when =
        TimeOf(X509_REVOKED_get0_revocationDate(entry), "a revocation date");
    if (!when.ok()) return when.status();
    out.push_back({HexOf(X509_REVOKED_get0_serialNumber(entry)), *when, "", ""});
  }
  return out;
}

absl::StatusOr<CrlInfo> Describe(X509_CRL* crl) {
  CrlInfo info;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(crl), 0, XN_FLAG_RFC2253) < 0) {
    return OpenSslError("printing the CRL's issuer");
  }
  info.issuer = BioContents(bio.get());
  IntegerPtr number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  if (number != nullptr && ASN1_INTEGER_get_int64(&info.number, number.get()) != 1) {
    return OpenSslError("reading the crlNumber");
  }
  absl::StatusOr<absl::Time> this_update = TimeOf(X509_CRL_get0_lastUpdate(crl), "thisUpdate");
  if (!this_update.ok()) return this_update.status();
  info.this_update = *this_update;
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl); next != nullptr) {
    absl::StatusOr<absl::Time> t = TimeOf(next, "nextUpdate");
    if (!t.ok()) return t.status();
    info.next_update = *t;
  }
  absl::StatusOr<std::vector<RevokedCertificate>> revoked = RevokedOf(crl);
  if (!revoked.ok()) return revoked.status();
  info.revoked = *std::move(revoked);
  return info;
}

}  // namespace

absl::StatusOr<std::string> SignCrlPem(const CrlSpec& spec, X509* ca, EVP_PKEY* ca_key) {
  CrlPtr crl(X509_CRL_new());
  if (crl == nullptr || X509_CRL_set_version(crl.get(), kCrlVersion2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca)) != 1) {
    return OpenSslError("making a CRL");
  }
  if (absl::Status s = SetTime(crl.get(), spec.this_update, false); !s.ok()) return s;
  if (absl::Status s = SetTime(crl.get(), spec.next_update, true); !s.ok()) return s;
  for (const RevokedCertificate& r : spec.revoked) {
    if (absl::Status s = AddRevoked(crl.get(), r); !s.ok()) return s;
  }
  if (X509_CRL_sort(crl.get()) != 1) return OpenSslError("sorting the CRL");
  if (absl::Status s = AddExtensions(crl.get(), ca, spec.number); !s.ok()) return s;
  if (X509_CRL_sign(crl.get(), ca_key, EVP_sha256()) <= 0) return OpenSslError("signing the CRL");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) {
    return OpenSslError("encoding the CRL as PEM");
  }
  return BioContents(bio.get());
}

absl::StatusOr<CrlInfo> ReadCrlPem(absl::string_view pem, absl::string_view source, X509* ca) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("reading a CRL");
  CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (crl == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(source, ": no PEM X509 CRL block"));
  }
  if (ca != nullptr && X509_CRL_verify(crl.get(), X509_get0_pubkey(ca)) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(source, ": not signed by this CA"));
  }
  return Describe(crl.get());
}

absl::StatusOr<std::string> NormalizeSerial(absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  if (absl::StartsWithIgnoreCase(t, "0x")) t.remove_prefix(2);
  std::string hex;
  for (char c : t) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("--serial: '", text, "' is not a hex serial number (like 8F:3A:C1)"));
    }
    hex.push_back(absl::ascii_toupper(c));
  }
  const size_t first = hex.find_first_not_of('0');
  hex = first == std::string::npos ? std::string() : hex.substr(first);
  if (hex.empty() || hex.size() > 40) {
    return absl::InvalidArgumentError(
        absl::StrCat("--serial: '", text, "' must be 1..40 hex digits and not zero"));
  }
  return hex;
}

}  // namespace osfleet::ctl::pki
