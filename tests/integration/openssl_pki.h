// Certificates for integration tests, made with the openssl CLI (independent of
// `osctl pki`, which has its own tests): a CA and leaf certificates signed by it, with a
// Subject OU carrying the osfleet role.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace osfleet::testing {

class OpensslPki {
 public:
  // Creates dir (if needed) and a CA named ca_name in it.
  explicit OpensslPki(std::string dir, const std::string& ca_name = "fleet-ca");
  // name.pem / name.key: CN=name, OU=ou (none when empty), subjectAltName DNS:name.
  void Issue(const std::string& name, const std::string& ou = "osfleet:operator");
  // The same, valid only from not_before to not_after (`openssl ca`, to the second).
  void IssueValid(const std::string& name, const std::string& ou, absl::Time not_before,
                  absl::Time not_after);
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }
  // An mTLS channel to `address` as `who` (who.pem / who.key), checking the agent's
  // certificate for `server_name`, on a TCP connection of its own (no shared subchannel).
  std::shared_ptr<grpc::Channel> Channel(const std::string& who, const std::string& address,
                                         const std::string& server_name) const;

 private:
  void Run(std::vector<std::string> args);
  void Request(const std::string& name, const std::string& ou);
  std::string dir_;
};

}  // namespace osfleet::testing
