// Endpoints.Connections without gRPC: which established TCP connections of this server go to
// a database address, and which process holds each. The address is read as the provider of
// its section reads it, resolved here (dns.h: the probe's resolver, timeout and DnsBudget);
// its port is the one given, else a named instance's from the SQL Server Browser, else 1433
// (Oracle: 1521). Blocking, bounded by options' step timeout and deadline: run it off the
// gRPC threads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/probe/probe.h"
#include "common/model/hsconf.h"
#include "common/platform/tcp_connections.h"

namespace osfleet::agent {

struct ConnectionRow {
  long pid = 0;         // 0 when the owner is not known
  std::string process;  // empty when not known
  std::string local;    // "10.0.0.21:51234"
  std::string remote;   // "10.0.0.5:1433"
};

struct ConnectionsFound {
  std::vector<std::string> endpoints;      // what was looked for: "10.0.0.5:1433", in DNS order
  std::vector<ConnectionRow> connections;  // sorted by pid, then local, then remote
};

// The OS's connection table (platform::ListTcpConnections; tests give their own).
using ConnectionLister =
    std::function<platform::Result<std::vector<platform::TcpConnectionInfo>>()>;

// The connections to `address` read for `provider`. Errors: INVALID_ARGUMENT "address: ..."
// naming what is wrong with it (a TNS alias too: it is resolved by tnsnames.ora, not here);
// UNAVAILABLE "DNS: ..." when the host does not resolve in time; the SQL Server Browser's
// error when it does not give a named instance's port; "stopped: ..." with the cancel
// token's code once the client gave up or the deadline passed; the OS's when the table
// cannot be read.
absl::StatusOr<ConnectionsFound> FindConnections(
    DbProvider provider, const std::string& address, const ProbeOptions& options,
    const ConnectionLister& list = platform::ListTcpConnections);

}  // namespace osfleet::agent
