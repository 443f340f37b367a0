// One gRPC channel per agent: mTLS with the fleet CA and the agent's certificate checked
// against its inventory name, or plaintext on loopback. Idempotent reads are retried on
// UNAVAILABLE with backoff by gRPC's own retry policy; mutations never are.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/status/statusor.h"
#include "ctl/fleet/inventory.h"
#include "ctl/rpc/tls_diagnosis.h"

namespace osfleet::ctl {

struct ConnectionOptions {
  bool insecure = false;
  TlsFiles tls;
};

// Loaded once per run and shared by every channel.
class ChannelFactory {
 public:
  // INVALID_ARGUMENT for a missing/unreadable PEM file, a key that does not belong to
  // --tls-cert, a --tls-cert that has expired, or --insecure with a server whose address is
  // not loopback. A --tls-cert not valid yet is only warned about (the agents' clocks judge).
  static absl::StatusOr<ChannelFactory> Create(const ConnectionOptions& options,
                                               const std::vector<Server>& servers);

  std::shared_ptr<grpc::Channel> ChannelFor(const Server& server) const;
  // Explains failed connections made with these credentials (tls_diagnosis.h).
  const std::shared_ptr<const TlsDiagnosis>& diagnosis() const { return diagnosis_; }

 private:
  ChannelFactory(std::shared_ptr<grpc::ChannelCredentials> creds,
                 std::shared_ptr<const TlsDiagnosis> diagnosis)
      : creds_(std::move(creds)), diagnosis_(std::move(diagnosis)) {}
  std::shared_ptr<grpc::ChannelCredentials> creds_;
  std::shared_ptr<const TlsDiagnosis> diagnosis_;
};

// The service config JSON that retries the read-only RPCs on UNAVAILABLE.
const char* ReadRetryServiceConfig();

}  // namespace osfleet::ctl
