// The fleet PKI: a CA in a folder (ca.key, ca.pem) and the agent and operator
// certificates it signs, written next to it as NAME.key / NAME.pem. EC P-256 keys,
// SHA-256 signatures; agents read an operator's role from the Subject OU
// ("osfleet:viewer" / "osfleet:operator").
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/platform/files.h"
#include "ctl/pki/certificate_info.h"

namespace osfleet::ctl::pki {

inline constexpr int kDefaultCaDays = 3650;
inline constexpr int kDefaultAgentDays = 397;
inline constexpr int kDefaultOperatorDays = 90;
inline constexpr char kDefaultCaName[] = "osfleet fleet CA";

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

}  // namespace osfleet::ctl::pki
