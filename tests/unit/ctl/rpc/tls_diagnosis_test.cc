// Which gRPC failures osctl probes for a TLS reason (ctl/rpc/tls_diagnosis.h): only those of
// connecting, which a refused handshake may cause.
#include "ctl/rpc/tls_diagnosis.h"

#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

TEST(TlsDiagnosisTriggerTest, OnlyConnectionFailuresTlsMayCauseAreProbed) {
  using grpc::Status;
  using grpc::StatusCode;
  EXPECT_TRUE(ctl::MayBeTlsFailure(Status(StatusCode::UNAVAILABLE, "Socket closed")));
  EXPECT_TRUE(ctl::MayBeTlsFailure(Status(StatusCode::UNAVAILABLE,
                                          "failed to connect to all addresses; last error: "
                                          "UNKNOWN: ipv4:127.0.0.1:1: Ssl handshake failed")));
  EXPECT_FALSE(
      ctl::MayBeTlsFailure(Status(StatusCode::UNAVAILABLE,
                                  "failed to connect to all addresses; last error: UNKNOWN: "
                                  "ipv4:127.0.0.1:1: Failed to connect to remote host: "
                                  "Connection refused")));
  EXPECT_FALSE(ctl::MayBeTlsFailure(Status(StatusCode::DEADLINE_EXCEEDED, "Socket closed")));
  EXPECT_FALSE(ctl::MayBeTlsFailure(Status(StatusCode::PERMISSION_DENIED, "SSL")));
}

}  // namespace
}  // namespace osfleet::ctl
