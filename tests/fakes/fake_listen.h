// TCP listening sockets for the in-process fakes: one port on one or more IP addresses,
// as a database server listens on each of its addresses (SQL Server's IPAll, an Oracle
// listener's ADDRESS list). Non-blocking, close-on-exec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/probe/socket_util.h"

namespace osfleet::fakes {

struct Listeners {
  std::vector<agent::UniqueFd> fds;  // one per IP, in the order given
  uint16_t port = 0;
};

// Binds and listens on ips[0]:port (port 0: any free one), then on each other IP at the
// port the first got. IPv4 or IPv6 literals. The error names the IP and the call failed.
absl::StatusOr<Listeners> ListenTcp(const std::vector<std::string>& ips, uint16_t port);

}  // namespace osfleet::fakes
