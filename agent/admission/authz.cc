#include "agent/admission/authz.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/admission/crl_store.h"
#include "agent/admission/rpc_policy.h"
#include "common/api/role.h"
#include "common/text/escape.h"

namespace osfleet::agent {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

// The UTF-8 text of one X509_NAME entry.
std::string EntryText(const X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (n < 0) return "";
  std::string text(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return text;
}

std::string SerialHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr;
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

// Every Subject entry of type `nid`, in order.
std::vector<std::string> SubjectEntries(X509* cert, int nid) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  std::vector<std::string> out;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, nid, i)) >= 0;) {
    out.push_back(EntryText(X509_NAME_get_entry(subject, i)));
  }
  return out;
}

// Why the certificate cannot be a client's credential; empty when it can.
std::string CaProblem(X509* cert) {
  if ((X509_get_extension_flags(cert) & EXFLAG_CA) != 0) {
    return "is a CA certificate (basicConstraints CA:TRUE), not a client certificate";
  }
  if (X509_check_ca(cert) != 0) {
    return "can sign certificates (keyUsage keyCertSign), not a client certificate";
  }
  return "";
}

// The one CN as identity, or why there is none.
std::string TakeCommonName(const std::vector<std::string>& names, Caller& caller) {
  if (names.size() == 1 && !absl::StripAsciiWhitespace(names[0]).empty()) {
    caller.identity = names[0];
    return "";
  }
  caller.identity = absl::StrCat("serial:", caller.serial);
  if (names.empty()) return "has no CN";
  if (names.size() == 1) return absl::StrCat("has an empty CN (", QuotedEscaped(names[0]), ")");
  std::vector<std::string> quoted;
  for (const std::string& n : names) quoted.push_back(QuotedEscaped(n));
  return absl::StrCat("has ", names.size(), " CNs (", absl::StrJoin(quoted, ", "),
                      "); a client certificate must have exactly one");
}

Caller CallerFromCertificate(X509* cert) {
  Caller caller;
  caller.serial = SerialHex(cert);
  std::string problem = TakeCommonName(SubjectEntries(cert, NID_commonName), caller);
  const absl::StatusOr<std::string> role =
      CertificateRole(SubjectEntries(cert, NID_organizationalUnitName));
  if (role.ok()) {
    caller.role = RoleFromOu(absl::StrCat(kRoleUnitPrefix, *role));
  } else if (problem.empty()) {
    problem = std::string(role.status().message());
  }
  if (const std::string ca = CaProblem(cert); !ca.empty() && problem.empty()) problem = ca;
  if (!problem.empty()) caller.role = ClientRole::kNone;
  caller.invalid = problem;
  return caller;
}

std::unique_ptr<X509, X509Free> ParsePem(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return nullptr;
  return std::unique_ptr<X509, X509Free>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string RevokedText(const Revocation& r) {
  return absl::StrCat("on ",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", r.revoked_at, absl::UTCTimeZone()),
                      " (CRL #", r.crl_number, ")");
}

}  // namespace

absl::string_view ClientRoleName(ClientRole role) {
  switch (role) {
    case ClientRole::kViewer:
      return "viewer";
    case ClientRole::kOperator:
      return "operator";
    case ClientRole::kNone:
      break;
  }
  return "none";
}

ClientRole RoleFromOu(absl::string_view ou) {
  if (ou == "osfleet:operator") return ClientRole::kOperator;
  if (ou == "osfleet:viewer") return ClientRole::kViewer;
  return ClientRole::kNone;
}

ClientRole RequiredRole(absl::string_view rpc) { return RpcPolicyNamed(rpc).role; }

bool IsMutating(absl::string_view rpc) { return RpcPolicyNamed(rpc).mutating(); }

absl::StatusOr<Caller> CallerFromPem(absl::string_view pem) {
  std::unique_ptr<X509, X509Free> cert = ParsePem(pem);
  if (cert == nullptr) return absl::InvalidArgumentError("the client certificate is not PEM X.509");
  return CallerFromCertificate(cert.get());
}

absl::Status Authorize(const Caller& caller, absl::string_view rpc) {
  if (!caller.invalid.empty()) {
    const std::string who = caller.identity == absl::StrCat("serial:", caller.serial)
                                ? ""
                                : absl::StrCat(" CN=", EscapeControls(caller.identity));
    return absl::UnauthenticatedError(absl::StrCat("client certificate", who, " serial ",
                                                   caller.serial, " ", caller.invalid,
                                                   "; refused whatever the call"));
  }
  if (!caller.revoked.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("client certificate CN=", caller.identity,
                                                   " serial ", caller.serial, " was revoked ",
                                                   caller.revoked));
  }
  if (caller.role == ClientRole::kNone) {
    return absl::PermissionDeniedError(
        absl::StrCat("client certificate CN=", caller.identity,
                     " has no osfleet role (OU=osfleet:viewer or osfleet:operator)"));
  }
  const ClientRole needed = RequiredRole(rpc);
  if (caller.role >= needed) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(rpc, " needs the ", ClientRoleName(needed),
                                                  " role; CN=", caller.identity, " has ",
                                                  ClientRoleName(caller.role)));
}

absl::StatusOr<Caller> Authorizer::Identify(const grpc::ServerContextBase& context) const {
  switch (transport_) {
    case Transport::kInsecure:
      return Caller{std::string(kInsecureIdentity), ClientRole::kOperator};
    case Transport::kTls:
      return Caller{std::string(kAnonymousTlsIdentity), ClientRole::kViewer};
    case Transport::kMutualTls:
      break;
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  const std::vector<grpc::string_ref> pems =
      auth ? auth->FindPropertyValues("x509_pem_cert") : std::vector<grpc::string_ref>{};
  if (pems.empty()) {
    return absl::PermissionDeniedError("no client certificate (this agent requires mTLS)");
  }
  std::unique_ptr<X509, X509Free> cert =
      ParsePem(absl::string_view(pems.front().data(), pems.front().size()));
  if (cert == nullptr) return absl::InvalidArgumentError("the client certificate is not PEM X.509");
  Caller caller = CallerFromCertificate(cert.get());
  if (crl_ != nullptr) {
    if (std::optional<Revocation> r = crl_->Find(cert.get())) caller.revoked = RevokedText(*r);
  }
  return caller;
}

absl::Status CheckCaller(const absl::StatusOr<Caller>& who, absl::string_view rpc, Caller* caller) {
  if (!who.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot identify the client: ", who.status().message()));
  }
  *caller = *who;
  return Authorize(*caller, rpc);
}

absl::Status Authorizer::Check(const grpc::ServerContextBase& context, absl::string_view rpc,
                               Caller* caller) const {
  return CheckCaller(Identify(context), rpc, caller);
}

}  // namespace osfleet::agent
