// absl::Status inside, grpc::Status at the boundary: one conversion each way.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace osfleet {

// Both make the message valid UTF-8 (invalid sequences become U+FFFD).
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// "ABORTED", "INVALID_ARGUMENT", ...: the canonical name of a gRPC code.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace osfleet
