// The TLS file set of one end of a connection (the agent's, or osctl's) and loading its PEM
// files for gRPC credentials, with errors that name the flag and the file.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet {

// Paths of PEM files.
struct TlsFiles {
  std::string ca;    // CA bundle the peer's certificate must chain to (agent: when set,
                     // client certificates are required)
  std::string cert;  // this end's certificate chain
  std::string key;   // this end's private key
};

// Reads a PEM file (at most 1 MiB) and checks it holds a "-----BEGIN <kind>" block
// (kind: "CERTIFICATE" or "PRIVATE KEY", which also matches "EC PRIVATE KEY" etc.).
// INVALID_ARGUMENT "--tls-cert /path: no PEM CERTIFICATE block" and the like.
absl::StatusOr<std::string> LoadPem(absl::string_view flag, const std::string& path,
                                    absl::string_view kind);

}  // namespace osfleet
