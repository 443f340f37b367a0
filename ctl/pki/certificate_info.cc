#include "ctl/pki/certificate_info.h"

#include <openssl/crypto.h>

#include <cstring>
#include <ctime>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/asn1_time.h"
#include "common/api/role.h"
#include "common/platform/ip_address.h"

namespace osfleet::ctl::pki {
namespace {

absl::StatusOr<std::string> NameText(X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return OpenSslError("printing a distinguished name");
  }
  return BioContents(bio.get());
}

// Every entry of type `nid`, in order.
std::vector<std::string> NameFields(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int index = -1; (index = X509_NAME_get_index_by_NID(name, nid, index)) >= 0;) {
    unsigned char* utf8 = nullptr;
    const int len =
        ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
    if (len < 0) {
      out.emplace_back();
      continue;
    }
    out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

std::string NameField(X509_NAME* name, int nid) {
  std::vector<std::string> all = NameFields(name, nid);
  return all.empty() ? "" : all.front();
}

std::string GeneralNameText(const GENERAL_NAME* name) {
  if (name->type == GEN_DNS) {
    const ASN1_IA5STRING* dns = name->d.dNSName;
    return absl::StrCat("DNS:",
                        absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                          static_cast<size_t>(ASN1_STRING_length(dns))));
  }
  if (name->type == GEN_IPADD) {
    const ASN1_OCTET_STRING* ip = name->d.iPAddress;
    const int length = ASN1_STRING_length(ip);
    if (length != 4 && length != 16) return "IP:<malformed>";
    platform::IpAddress address;
    address.v6 = length == 16;
    std::memcpy(address.bytes.data(), ASN1_STRING_get0_data(ip), static_cast<size_t>(length));
    return absl::StrCat("IP:", platform::FormatIpAddress(address));
  }
  return "other";
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    out.push_back(GeneralNameText(sk_GENERAL_NAME_value(names.get(), i)));
  }
  return out;
}

std::vector<std::string> ExtendedKeyUsage(X509* cert) {
  std::vector<std::string> out;
  if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0) return out;
  const uint32_t usage = X509_get_extended_key_usage(cert);
  if (usage & XKU_SSL_SERVER) out.push_back("serverAuth");
  if (usage & XKU_SSL_CLIENT) out.push_back("clientAuth");
  return out;
}

absl::StatusOr<absl::Time> TimeOf(const ASN1_TIME* time, const char* what) {
  std::optional<absl::Time> t = Asn1TimeToAbsl(time);
  if (!t) return OpenSslError(absl::StrCat("reading ", what));
  return *t;
}

std::string Sha256Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    absl::StrAppendFormat(&out, "%s%02X", i == 0 ? "" : ":", md[i]);
  }
  return out;
}

std::string SerialHex(X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr));
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

}  // namespace

absl::StatusOr<CertificateInfo> DescribeCertificate(X509* cert) {
  CertificateInfo info;
  absl::StatusOr<std::string> subject = NameText(X509_get_subject_name(cert));
  if (!subject.ok()) return subject.status();
  absl::StatusOr<std::string> issuer = NameText(X509_get_issuer_name(cert));
  if (!issuer.ok()) return issuer.status();
  info.subject = *subject;
  info.issuer = *issuer;
  info.common_name = NameField(X509_get_subject_name(cert), NID_commonName);
  info.organizational_units = NameFields(X509_get_subject_name(cert), NID_organizationalUnitName);
  info.organizational_unit =
      info.organizational_units.empty() ? "" : info.organizational_units.front();
  info.subject_alt_names = SubjectAltNames(cert);
  info.extended_key_usage = ExtendedKeyUsage(cert);
  info.is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
  info.serial = SerialHex(cert);
  absl::StatusOr<absl::Time> from = TimeOf(X509_get0_notBefore(cert), "notBefore");
  if (!from.ok()) return from.status();
  absl::StatusOr<absl::Time> until = TimeOf(X509_get0_notAfter(cert), "notAfter");
  if (!until.ok()) return until.status();
  info.not_before = *from;
  info.not_after = *until;
  info.sha256 = Sha256Fingerprint(cert);
  return info;
}

std::string RoleOf(const CertificateInfo& info) {
  const absl::StatusOr<std::string> role = CertificateRole(info.organizational_units);
  return role.ok() ? *role : "";
}

std::string RoleProblem(const CertificateInfo& info) {
  const absl::StatusOr<std::string> role = CertificateRole(info.organizational_units);
  return role.ok() ? "" : std::string(role.status().message());
}

}  // namespace osfleet::ctl::pki
