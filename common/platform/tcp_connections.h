// The established TCP connections of this machine and the process that owns each: what
// tells whether anything on a server still talks to a database address
// (Endpoints.Connections).
#pragma once

#include <string>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

struct TcpConnectionInfo {
  // Canonical IP text (ip_address.h); an IPv4-mapped IPv6 address ("::ffff:10.0.0.5") is
  // given as the IPv4 address it maps ("10.0.0.5"), so one address matches either socket.
  std::string local_ip;
  unsigned local_port = 0;
  std::string remote_ip;
  unsigned remote_port = 0;
  long pid = 0;         // the owning process; 0 when it is not known (not ours to inspect)
  std::string process;  // its image name ("w3wp.exe", "java"); empty when pid is 0 or unknown
};

// Every established TCP connection, IPv4 and IPv6, in no particular order.
// Linux: /proc/net/tcp and /proc/net/tcp6 (state 01), each socket's owner found by its
// inode among the /proc/[pid]/fd links (processes this one may not inspect are skipped:
// their connections keep pid 0; a socket shared after fork() goes to the lowest pid), the
// name from /proc/[pid]/comm. Windows: GetExtendedTcpTable (TCP_TABLE_OWNER_PID_ALL,
// MIB_TCP_STATE_ESTAB), the name from the process's image path.
// Errors: the OS's, with `what` "reading /proc/net/tcp" or "GetExtendedTcpTable (IPv4)".
Result<std::vector<TcpConnectionInfo>> ListTcpConnections();

}  // namespace osfleet::platform
