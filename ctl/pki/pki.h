// The fleet PKI: a CA in a folder (ca.key, ca.pem) and the agent and operator
// certificates it signs, written next to it as NAME.key / NAME.pem. EC P-256 keys,
// SHA-256 signatures; agents read an operator's role from the Subject OU
// ("osfleet:viewer" / "osfleet:operator").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/platform/files.h"
#include "ctl/pki/certificate_info.h"
#include "ctl/pki/crl.h"

namespace osfleet::ctl::pki {

inline constexpr int kDefaultCaDays = 3650;
inline constexpr int kDefaultAgentDays = 397;
inline constexpr int kDefaultOperatorDays = 90;
inline constexpr char kDefaultCaName[] = "osfleet fleet CA";
inline constexpr int kDefaultCrlDays = 30;

struct InitOptions {
  std::string dir;
  std::string name = kDefaultCaName;  // the CA's common name
  int days = kDefaultCaDays;          // 1..7300
  bool force = false;                 // replace an existing ca.key / ca.pem
};

enum class Holder { kAgent, kOperator };

struct IssueOptions {
  std::string dir;  // holds ca.key and ca.pem; NAME.key and NAME.pem are written there
  Holder holder = Holder::kAgent;
  std::string name;               // the inventory name (agent) or the operator's name
  std::vector<std::string> sans;  // agent: DNS names / IP addresses besides NAME
  std::string role;               // operator: viewer | operator
  int days = kDefaultAgentDays;   // 1..3650, and not past the CA's own expiry
  int backdate_days = 0;          // shifts the validity into the past (tests: expired certs)
  bool force = false;             // replace existing NAME.key / NAME.pem
};

struct WrittenFile {
  std::string path;
  platform::FileMode mode = 0;
  std::string contents;  // "EC P-256 private key (PKCS#8)", "certificate"
};

struct PkiResult {
  std::vector<WrittenFile> files;
  CertificateInfo certificate;  // the certificate just written
};

// pki init: a new CA key and a self-signed CA certificate. INVALID_ARGUMENT for bad
// options; FAILED_PRECONDITION naming the file when a CA exists already (without force).
absl::StatusOr<PkiResult> InitCa(const InitOptions& options);

// pki issue agent|operator: a new key and a certificate signed by the CA in options.dir.
// INVALID_ARGUMENT for bad names, SANs, roles or days; FAILED_PRECONDITION naming the file
// when the CA is missing or unusable, or NAME.key / NAME.pem exist (without force).
absl::StatusOr<PkiResult> IssueCertificate(const IssueOptions& options);

// pki show: the first certificate of a PEM file. NOT_FOUND when the file is missing.
absl::StatusOr<CertificateInfo> ReadCertificateInfo(const std::string& path);

// What pki revoke takes away: exactly one of name, serial and cert_file.
struct RevokeOptions {
  std::string dir;        // holds ca.key and ca.pem; revoked.json and crl.pem are written there
  std::string name;       // the certificate issued for NAME: DIR/NAME.pem
  std::string serial;     // or a serial number (hex, colons allowed)
  std::string cert_file;  // or a certificate file (must be signed by the CA)
  int days = kDefaultCrlDays;  // the new CRL's nextUpdate: 1..3650, never past the CA's expiry
};

struct CrlOptions {
  std::string dir;
  bool renew = false;  // sign a new DIR/crl.pem (next crlNumber, new nextUpdate)
  int days = kDefaultCrlDays;
};

struct CrlResult {
  std::vector<WrittenFile> files;             // what was written; empty: nothing
  std::optional<RevokedCertificate> revoked;  // pki revoke: the certificate revoked
  bool already_revoked = false;               // ... which had been revoked before
  std::string crl_path;                       // DIR/crl.pem
  std::optional<CrlInfo> crl;                 // what DIR/crl.pem holds; none: no CRL yet
  std::vector<RevokedCertificate> record;     // DIR/revoked.json: every revocation, with names
};

// pki revoke: adds the certificate to DIR/revoked.json (once) and signs a new DIR/crl.pem
// holding every revoked serial, with the next crlNumber. INVALID_ARGUMENT for bad options or
// the CA's own certificate; FAILED_PRECONDITION naming the file when the CA is unusable, the
// certificate is missing or was not signed by this CA.
absl::StatusOr<CrlResult> RevokeCertificate(const RevokeOptions& options);

// pki crl: what DIR/revoked.json and DIR/crl.pem say; with renew, signs a new crl.pem first
// (also to make an empty CRL before anything is revoked).
absl::StatusOr<CrlResult> ReadOrRenewCrl(const CrlOptions& options);

}  // namespace osfleet::ctl::pki
