// SQL Server Browser (MC-SQLR, UDP 1434): maps a named instance ("db01\OUTSYS") to the TCP
// port it listens on, as SqlClient does for "host\instance" without a port.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/probe/socket_util.h"

namespace osfleet::agent::sqlbrowser {

inline constexpr uint8_t kClientUnicastEx = 0x03;    // CLNT_UCAST_EX: every instance
inline constexpr uint8_t kClientUnicastInst = 0x04;  // CLNT_UCAST_INST: one instance
inline constexpr uint8_t kServerResponse = 0x05;     // SVR_RESP
inline constexpr size_t kMaxInstanceQueryName = 32;  // bytes, before the NUL

// One instance as the Browser describes it ("ServerName;DB01;InstanceName;OUTSYS;...").
struct BrowserInstance {
  std::string server_name;
  std::string instance_name;
  std::string version;
  std::optional<uint16_t> tcp_port;  // unset when TCP/IP is disabled for the instance
};

// CLNT_UCAST_INST: 0x04, the instance name, NUL.
std::string BuildInstanceQuery(absl::string_view instance);

// CLNT_UCAST_EX: the single byte 0x03.
std::string BuildListQuery();

// SVR_RESP: 0x05, the data length (2 bytes, little-endian), then "key;value;...;;" per
// instance. Bounds-checked; DATA_LOSS says what is wrong.
absl::StatusOr<std::vector<BrowserInstance>> ParseBrowserResponse(absl::string_view datagram);

// The SVR_RESP a Browser would send for `instances` (for fakes and tests).
std::string BuildBrowserResponse(const std::vector<BrowserInstance>& instances);

// The TCP port of `instance` (case-insensitive) among `instances`. NOT_FOUND "instance X not
// known to the SQL Server Browser on ENDPOINT" or FAILED_PRECONDITION "... has no TCP port".
// `instance` (case-insensitive) among `instances`; NOT_FOUND as FindTcpPort's.
absl::StatusOr<BrowserInstance> FindInstance(const std::vector<BrowserInstance>& instances,
                                             absl::string_view instance,
                                             absl::string_view endpoint);

absl::StatusOr<uint16_t> FindTcpPort(const std::vector<BrowserInstance>& instances,
                                     absl::string_view instance, absl::string_view endpoint);

// Asks the Browser at `server` (an IP address) UDP `browser_port` about `instance`, waiting
// at most `timeout`. Errors name the Browser's endpoint and the likely cause; NOT_FOUND as
// FindTcpPort's when the Browser answered without it.
absl::StatusOr<BrowserInstance> QueryInstance(const SocketAddress& server, uint16_t browser_port,
                                              absl::string_view instance, absl::Duration timeout);

// QueryInstance's answer reduced to the instance's TCP port (FindTcpPort's errors).
absl::StatusOr<uint16_t> QueryInstancePort(const SocketAddress& server, uint16_t browser_port,
                                           absl::string_view instance, absl::Duration timeout);

}  // namespace osfleet::agent::sqlbrowser
