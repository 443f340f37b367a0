// What an operator needs to know about a certificate: who, which role, which names,
// valid when, and its SHA-256 fingerprint (as `openssl x509 -fingerprint -sha256` prints it).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ctl/pki/openssl_util.h"

namespace osfleet::ctl::pki {

struct CertificateInfo {
  std::string subject;                            // RFC 2253: "CN=dc01,OU=osfleet:agent"
  std::string issuer;                             // RFC 2253
  std::string common_name;                        // empty: none
  std::string organizational_unit;                // empty: none; "osfleet:operator" gives the role
  std::vector<std::string> organizational_units;  // every OU, in order (the role comes from these)
  std::vector<std::string> subject_alt_names;     // "DNS:dc01", "IP:10.0.0.5"
  std::vector<std::string> extended_key_usage;    // "serverAuth", "clientAuth"
  bool is_ca = false;
  std::string serial;  // upper-case hex
  absl::Time not_before;
  absl::Time not_after;
  std::string sha256;  // "AB:CD:..."
};

absl::StatusOr<CertificateInfo> DescribeCertificate(X509* cert);

// "viewer" / "operator" / "agent" for the one OU "osfleet:<x>"; empty for no role OU, and
// when the OUs are refused (RoleProblem).
std::string RoleOf(const CertificateInfo& info);
// Why agents refuse this certificate's OUs (common/api/role.h CertificateRole): "has 2 role
// OUs (...)"; empty when they do not.
std::string RoleProblem(const CertificateInfo& info);

}  // namespace osfleet::ctl::pki
