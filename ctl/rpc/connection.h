// One gRPC channel per agent: mTLS with the fleet CA and the agent's certificate checked
// against its inventory name, or plaintext on loopback. Idempotent reads are retried on
// UNAVAILABLE with backoff by gRPC's own retry policy; mutations never are.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/status/statusor.h"
#include "ctl/fleet/inventory.h"

namespace osfleet::ctl {

struct ConnectionOptions {
  bool insecure = false;
  TlsFiles tls;
};

// Loaded once per run and shared by every channel.
class ChannelFactory {
 public:
  // INVALID_ARGUMENT for a missing/unreadable PEM file, or --insecure with a server whose
  // address is not loopback.
  static absl::StatusOr<ChannelFactory> Create(const ConnectionOptions& options,
                                               const std::vector<Server>& servers);

  std::shared_ptr<grpc::Channel> ChannelFor(const Server& server) const;

 private:
  explicit ChannelFactory(std::shared_ptr<grpc::ChannelCredentials> creds)
      : creds_(std::move(creds)) {}
  std::shared_ptr<grpc::ChannelCredentials> creds_;
};

// The service config JSON that retries the read-only RPCs on UNAVAILABLE.
const char* ReadRetryServiceConfig();

}  // namespace osfleet::ctl
