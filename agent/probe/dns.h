// Name lookups for the probe and for Endpoints.Connections: an IP literal is its own
// answer; a name goes to the resolver on a detached thread (getaddrinfo has no timeout of
// its own), waited for at most `timeout`, stopping early when options.cancel says so, and
// counted in options.dns (DnsBudget) while its thread runs.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/probe/probe.h"
#include "agent/probe/socket_util.h"

namespace osfleet::agent {

// Every address of host, in the resolver's order. "." and "(local)" (SQL Server's names for
// this machine) are "localhost". Errors, each text led by "DNS: ": UNAVAILABLE (no such
// host, no addresses, no DNS server answered, the budget of lookups in progress is spent),
// DEADLINE_EXCEEDED after `timeout`; the cancel token's code with "stopped: ...".
absl::StatusOr<std::vector<SocketAddress>> ResolveWithin(const std::string& host,
                                                         absl::Duration timeout,
                                                         const ProbeOptions& options);

}  // namespace osfleet::agent
