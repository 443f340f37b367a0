// Windows: GetExtendedTcpTable with TCP_TABLE_OWNER_PID_ALL, once for AF_INET and once for
// AF_INET6 (Microsoft Learn, "GetExtendedTcpTable function (iphlpapi.h)"): addresses and ports
// are in network order (a port in the low 16 bits of its DWORD), rows in state
// MIB_TCP_STATE_ESTAB are the established connections. The table can grow between the call
// that sizes it and the one that fills it: ERROR_INSUFFICIENT_BUFFER asks again with the new
// size. Wine 8 answers ERROR_NOT_ENOUGH_MEMORY instead while thousands of sockets come and go
// (seen with ~24k TIME_WAIT sockets on the host): asked again, like a table that grew. The owner's
// name is the base name of QueryFullProcessImageNameW's path (PROCESS_QUERY_ LIMITED_INFORMATION
// suffices for another user's process; System and protected processes refuse even that: their name
// stays empty). Winsock first: its headers must come before <windows.h>.
#include "common/platform/windows/winsock.h"

#include <iphlpapi.h>

#include <cstring>
#include <map>

#include "common/platform/ip_address.h"
#include "common/platform/tcp_connections.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

constexpr int kTableAttempts = 8;

// The whole table for one family, DWORD-aligned as its rows need.
Result<std::vector<DWORD>> OwnerPidTable(ULONG family) {
  const char* what =
      family == AF_INET ? "GetExtendedTcpTable (IPv4)" : "GetExtendedTcpTable (IPv6)";
  DWORD bytes = 16 * 1024;
  DWORD last = ERROR_INSUFFICIENT_BUFFER;
  for (int attempt = 0; attempt < kTableAttempts; ++attempt) {
    std::vector<DWORD> table(bytes / sizeof(DWORD) + 1);
    DWORD size = static_cast<DWORD>(table.size() * sizeof(DWORD));
    const DWORD rc =
        GetExtendedTcpTable(table.data(), &size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
    if (rc == NO_ERROR) return table;
    last = rc;
    if (rc == ERROR_NOT_ENOUGH_MEMORY) continue;  // the table changed while it was read (Wine)
    if (rc != ERROR_INSUFFICIENT_BUFFER) return win::WinError(rc, what);
    bytes = size + size / 4;  // room for the rows added before the next call
  }
  return win::WinError(last, what);  // it kept changing: give up
}

unsigned Port(DWORD network_order) { return ntohs(static_cast<u_short>(network_order & 0xFFFF)); }

std::string Ipv4Text(DWORD network_order) {
  IpAddress address;
  std::memcpy(address.bytes.data(), &network_order, 4);
  return FormatIpAddress(address);
}

// ::ffff:a.b.c.d as a.b.c.d, as on Linux.
std::string Ipv6Text(const UCHAR (&bytes)[16]) {
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  IpAddress address;
  if (std::memcmp(bytes, kMapped, sizeof(kMapped)) == 0) {
    std::memcpy(address.bytes.data(), bytes + 12, 4);
  } else {
    address.v6 = true;
    std::memcpy(address.bytes.data(), bytes, 16);
  }
  return FormatIpAddress(address);
}

// "C:\Windows\System32\inetsrv\w3wp.exe" -> "w3wp.exe"; empty when the process cannot be
// opened (System, protected processes, one that just ended).
std::string ImageName(DWORD pid) {
  if (pid == 0) return "";
  win::UniqueHandle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process.valid()) return "";
  std::wstring path(32768, L'\0');
  DWORD size = static_cast<DWORD>(path.size());
  if (!QueryFullProcessImageNameW(process.get(), 0, path.data(), &size)) return "";
  path.resize(size);
  const std::size_t slash = path.find_last_of(L"\\/");
  return win::Utf8(slash == std::wstring::npos ? path : path.substr(slash + 1));
}

class Collector {
 public:
  void Add(std::string local_ip, DWORD local_port, std::string remote_ip, DWORD remote_port,
           DWORD pid) {
    TcpConnectionInfo c;
    c.local_ip = std::move(local_ip);
    c.local_port = Port(local_port);
    c.remote_ip = std::move(remote_ip);
    c.remote_port = Port(remote_port);
    c.pid = static_cast<long>(pid);
    auto name = names_.find(pid);
    if (name == names_.end()) name = names_.emplace(pid, ImageName(pid)).first;
    c.process = name->second;
    out_.push_back(std::move(c));
  }
  std::vector<TcpConnectionInfo> Take() { return std::move(out_); }

 private:
  std::map<DWORD, std::string> names_;
  std::vector<TcpConnectionInfo> out_;
};

Result<void> AddIpv4(Collector& collector) {
  Result<std::vector<DWORD>> table = OwnerPidTable(AF_INET);
  if (!table.ok()) return table.error();
  const auto* rows = reinterpret_cast<const MIB_TCPTABLE_OWNER_PID*>(table->data());
  for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
    const MIB_TCPROW_OWNER_PID& row = rows->table[i];
    if (row.dwState != MIB_TCP_STATE_ESTAB) continue;
    collector.Add(Ipv4Text(row.dwLocalAddr), row.dwLocalPort, Ipv4Text(row.dwRemoteAddr),
                  row.dwRemotePort, row.dwOwningPid);
  }
  return {};
}

Result<void> AddIpv6(Collector& collector) {
  Result<std::vector<DWORD>> table = OwnerPidTable(AF_INET6);
  // A machine without an IPv6 stack has no IPv6 table and no IPv6 connections.
  if (!table.ok() && table.error().code.value() == ERROR_NOT_SUPPORTED) return {};
  if (!table.ok()) return table.error();
  const auto* rows = reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID*>(table->data());
  for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
    const MIB_TCP6ROW_OWNER_PID& row = rows->table[i];
    if (row.dwState != MIB_TCP_STATE_ESTAB) continue;
    collector.Add(Ipv6Text(row.ucLocalAddr), row.dwLocalPort, Ipv6Text(row.ucRemoteAddr),
                  row.dwRemotePort, row.dwOwningPid);
  }
  return {};
}

}  // namespace

Result<std::vector<TcpConnectionInfo>> ListTcpConnections() {
  Collector collector;
  if (Result<void> v4 = AddIpv4(collector); !v4.ok()) return v4.error();
  if (Result<void> v6 = AddIpv6(collector); !v6.ok()) return v6.error();
  return collector.Take();
}

}  // namespace osfleet::platform
