// Loading PEM files for gRPC credentials, with errors that name the flag and the file.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace osfleet {

// Reads a PEM file (at most 1 MiB) and checks it holds a "-----BEGIN <kind>" block
// (kind: "CERTIFICATE" or "PRIVATE KEY", which also matches "EC PRIVATE KEY" etc.).
// INVALID_ARGUMENT "--tls-cert /path: no PEM CERTIFICATE block" and the like.
absl::StatusOr<std::string> LoadPem(absl::string_view flag, const std::string& path,
                                    absl::string_view kind);

}  // namespace osfleet
