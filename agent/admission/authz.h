// Who is calling and what they may do. The role comes from the client certificate's
// Subject OU ("osfleet:viewer" reads, "osfleet:operator" does everything); the identity
// is its CN. Plaintext (loopback only, for tests and demos) is "insecure-loopback" with
// the operator role; TLS without client certificates is "anonymous-tls", a viewer. A client
// certificate listed in the agent's CRL (tls.crl) is refused whatever its role, and so is
// one that is no client credential at all: a CA certificate, no CN, an empty CN, several
// CNs, more than one role OU or an OU that only looks like a role (common/api/role.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet::agent {

class CrlStore;

enum class ClientRole { kNone, kViewer, kOperator };

inline constexpr absl::string_view kInsecureIdentity = "insecure-loopback";
inline constexpr absl::string_view kAnonymousTlsIdentity = "anonymous-tls";

struct Caller {
  Caller() = default;
  Caller(std::string identity_, ClientRole role_) : identity(std::move(identity_)), role(role_) {}

  // The certificate CN, or one of the special names above; "serial:<hex>" when the
  // certificate has no usable CN (invalid says why).
  std::string identity;
  ClientRole role = ClientRole::kNone;
  std::string serial;   // the client certificate's serial (hex); empty without one
  std::string revoked;  // set when the CRL lists the certificate: "on <date> (CRL #N)"
  // Set when the certificate cannot identify a client: "is a CA certificate
  // (basicConstraints CA:TRUE)", "has 2 CNs (\"alice\", \"admin\")", ...
  std::string invalid;
};

// "viewer", "operator", "none".
absl::string_view ClientRoleName(ClientRole role);
// "osfleet:viewer" -> kViewer, "osfleet:operator" -> kOperator, anything else -> kNone.
ClientRole RoleFromOu(absl::string_view ou);
// The role an RPC ("Endpoints.Set") needs, from its row in rpc_policy.h: kViewer for reads,
// kOperator for the rest (including RPCs the table does not know).
ClientRole RequiredRole(absl::string_view rpc);
// True for RPCs that change something (they get an audit line; rpc_policy.h).
bool IsMutating(absl::string_view rpc);

// The caller named by a PEM client certificate: its one CN and its one osfleet OU role,
// with `invalid` set when it has not exactly one of each or is a CA certificate.
// INVALID_ARGUMENT when the PEM cannot be parsed.
absl::StatusOr<Caller> CallerFromPem(absl::string_view pem);

// UNAUTHENTICATED naming CN and serial when the caller's certificate is revoked or invalid
// (the credential itself is unusable, whatever the RPC); else OK, or PERMISSION_DENIED
// saying which role the RPC needs and what the caller has.
absl::Status Authorize(const Caller& caller, absl::string_view rpc);

// Identify's outcome checked for `rpc`: PERMISSION_DENIED "cannot identify the client: …"
// when `who` is an error, else Authorize. *caller is filled whenever the caller is known.
absl::Status CheckCaller(const absl::StatusOr<Caller>& who, absl::string_view rpc, Caller* caller);

// How callers are identified on this server's listening port.
enum class Transport { kInsecure, kTls, kMutualTls };

// Identifies the caller of a gRPC call from its auth context, and marks a client
// certificate the CRL store lists (crl: null when no tls.crl is configured; not owned).
class Authorizer {
 public:
  explicit Authorizer(Transport transport, const CrlStore* crl = nullptr)
      : transport_(transport), crl_(crl) {}

  absl::StatusOr<Caller> Identify(const grpc::ServerContextBase& context) const;
  // Identify + Authorize; on denial the returned caller is still filled when known.
  absl::Status Check(const grpc::ServerContextBase& context, absl::string_view rpc,
                     Caller* caller) const;

 private:
  Transport transport_;
  const CrlStore* crl_;
};

}  // namespace osfleet::agent
