#include "agent/admission/revocation_list.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/asn1_time.h"

namespace osfleet::agent {
namespace {

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
};
using BioPtr = std::unique_ptr<BIO, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using CrlPtr = std::unique_ptr<X509_CRL, Free>;
using IntegerPtr = std::unique_ptr<ASN1_INTEGER, Free>;

constexpr absl::string_view kCrlBegin = "-----BEGIN X509 CRL-----";

BioPtr MemoryBio(absl::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string NameDer(const X509_NAME* name) {
  unsigned char* der = nullptr;
  const int n = i2d_X509_NAME(name, &der);
  if (n <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

// Issuer (DER, self-delimiting) then the serial's sign and bytes.
std::string Key(const X509_NAME* issuer, const ASN1_INTEGER* serial) {
  std::string key = NameDer(issuer);
  key.push_back(static_cast<char>(ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER));
  key.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
             static_cast<size_t>(ASN1_STRING_length(serial)));
  return key;
}

absl::Time TimeOf(const ASN1_TIME* t) { return Asn1TimeToAbsl(t).value_or(absl::InfiniteFuture()); }

std::vector<CertPtr> ParseCas(absl::string_view pem) {
  std::vector<CertPtr> cas;
  BioPtr bio = MemoryBio(pem);
  while (bio != nullptr) {
    CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    cas.push_back(std::move(cert));
  }
  ERR_clear_error();
  return cas;
}

int64_t CrlNumber(X509_CRL* crl) {
  IntegerPtr n(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  int64_t value = -1;
  if (n == nullptr || ASN1_INTEGER_get_int64(&value, n.get()) != 1) value = -1;
  ERR_clear_error();
  return value;
}

// OK when a CA of the bundle with the CRL's issuer name may sign CRLs and its key verifies it.
absl::Status CheckSigner(X509_CRL* crl, const std::vector<CertPtr>& cas, absl::string_view what) {
  const X509_NAME* issuer = X509_CRL_get_issuer(crl);
  bool named = false;
  for (const CertPtr& ca : cas) {
    if (X509_NAME_cmp(X509_get_subject_name(ca.get()), issuer) != 0) continue;
    named = true;
    const bool may_sign = (X509_get_key_usage(ca.get()) & KU_CRL_SIGN) != 0;
    if (may_sign && X509_CRL_verify(crl, X509_get0_pubkey(ca.get())) == 1) return absl::OkStatus();
  }
  ERR_clear_error();
  if (!named) {
    return absl::PermissionDeniedError(
        absl::StrCat(what, " is issued by '", NameText(issuer), "', which is not a CA of tls.ca"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(what, " from '", NameText(issuer),
                   "' is not signed by that CA of tls.ca (its signature does not verify)"));
}

std::string UtcTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

std::string CrlVersion::Describe() const {
  return absl::StrCat(number >= 0 ? absl::StrCat("CRL #", number) : "CRL without a number",
                      " from ", issuer, " (thisUpdate ",
                      this_update == absl::InfinitePast() ? "none" : UtcTime(this_update), ")");
}

bool IsOlderCrl(const CrlVersion& candidate, const CrlVersion& in_force) {
  if (candidate.number >= 0 && in_force.number >= 0 && candidate.number != in_force.number) {
    return candidate.number < in_force.number;
  }
  return candidate.this_update < in_force.this_update;
}

absl::Status RevocationList::CheckNotOlderThan(const CrlVersions& in_force,
                                               absl::string_view source) const {
  for (const auto& [issuer, version] : versions_) {
    const auto known = in_force.find(issuer);
    if (known == in_force.end() || !IsOlderCrl(version, known->second)) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        source, ": ", version.Describe(), " is older than ", known->second.Describe(),
        " already in force; an older CRL would un-revoke certificates (a CRL never goes "
        "back: install that one or a newer one, osctl pki crl)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RevocationList> RevocationList::Parse(absl::string_view crl_pem,
                                                     absl::string_view source,
                                                     absl::string_view ca_bundle_pem) {
  const std::vector<CertPtr> cas = ParseCas(ca_bundle_pem);
  RevocationList list;
  std::vector<std::string> issuers;
  BioPtr bio = MemoryBio(crl_pem);
  for (size_t at = crl_pem.find(kCrlBegin); at != absl::string_view::npos;
       at = crl_pem.find(kCrlBegin, at + 1)) {
    CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    const std::string what = absl::StrCat(source, ": CRL ", issuers.size() + 1);
    if (crl == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(what, " does not parse (bad PEM or DER)"));
    }
    if (absl::Status s = CheckSigner(crl.get(), cas, what); !s.ok()) return s;
    list.Add(crl.get());
    issuers.push_back(NameText(X509_CRL_get_issuer(crl.get())));
  }
  if (issuers.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no PEM X509 CRL block"));
  }
  list.issuers_ = absl::StrJoin(issuers, "; ");
  return list;
}

void RevocationList::Add(X509_CRL* crl) {
  const int64_t number = CrlNumber(crl);
  CrlVersion version{NameText(X509_CRL_get_issuer(crl)), number,
                     Asn1TimeToAbsl(X509_CRL_get0_lastUpdate(crl)).value_or(absl::InfinitePast())};
  const std::string issuer = NameDer(X509_CRL_get_issuer(crl));
  auto known = versions_.find(issuer);
  if (known == versions_.end() || IsOlderCrl(known->second, version)) {
    versions_[issuer] = std::move(version);
  }
  number_ = std::max(number_, number);
  next_update_ = std::min(next_update_, TimeOf(X509_CRL_get0_nextUpdate(crl)));
  STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
    const X509_REVOKED* e = sk_X509_REVOKED_value(entries, i);
    revoked_[Key(X509_CRL_get_issuer(crl), X509_REVOKED_get0_serialNumber(e))] =
        Revocation{TimeOf(X509_REVOKED_get0_revocationDate(e)), number};
  }
}

std::optional<Revocation> RevocationList::Find(X509* cert) const {
  const auto it = revoked_.find(Key(X509_get_issuer_name(cert), X509_get0_serialNumber(cert)));
  if (it == revoked_.end()) return std::nullopt;
  return it->second;
}

std::string RevocationList::Summary() const {
  const std::string next =
      next_update_ == absl::InfiniteFuture()
          ? "none"
          : absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", next_update_, absl::UTCTimeZone());
  return absl::StrCat("CRL #", number_, " from ", issuers_, ", ", revoked_.size(),
                      " revoked certificate(s), next update ", next);
}

}  // namespace osfleet::agent
