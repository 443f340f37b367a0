// ListTcpConnections on Windows (GetExtendedTcpTable, TCP_TABLE_OWNER_PID_ALL) with real
// loopback connections made by this test: each end is listed with its addresses and its
// ports (network order in the table) as numbers, with this process's pid and image name;
// closed, they are no longer established.
//
// What Wine 8.0 (Debian's, which runs these tests) answers, found by listing both ends
// before and after each sent a byte: every row is there with the right addresses, ports and
// state, but dwOwningPid is 0 for a socket whose Unix descriptor only wineserver holds.
// Wine's nsiproxy finds the owner by looking for the socket's inode among the
// /proc/<unix pid>/fd links of the Windows processes (dlls/nsiproxy.sys/tcp.c,
// find_owning_pid), and a Wine process gets a socket's descriptor from wineserver only
// when it first needs it: a socket just connected or accepted is wineserver's alone (pid 0);
// after a send() on a connected IPv4 socket, it is the process's (our pid, and
// QueryFullProcessImageNameW names windows_platform_tests.exe). The accepted end stayed
// pid 0 even after it sent too, and so did both ends of an IPv6 connection. Windows itself always
// knows the owner. So the test asks for the owner exactly of the connecting end once it has sent,
// and otherwise accepts our pid or 0 with no name (osctl shows that as "unknown"), never another
// process.
#include "common/platform/tcp_connections.h"

// The test's own ends use Winsock directly; the code under test does not.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

void StartWinsock() {
  static const int started = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  ASSERT_EQ(started, 0);
}

class RawSocket {
 public:
  explicit RawSocket(SOCKET socket = INVALID_SOCKET) : socket_(socket) {}
  RawSocket(RawSocket&& other) noexcept : socket_(std::exchange(other.socket_, INVALID_SOCKET)) {}
  RawSocket& operator=(RawSocket&& other) noexcept {
    std::swap(socket_, other.socket_);
    return *this;
  }
  ~RawSocket() { Close(); }
  SOCKET get() const { return socket_; }
  void Close() {
    if (socket_ != INVALID_SOCKET) closesocket(socket_);
    socket_ = INVALID_SOCKET;
  }

 private:
  SOCKET socket_;
};

unsigned PortOf(SOCKET s) {
  sockaddr_storage a{};
  int size = sizeof(a);
  if (getsockname(s, reinterpret_cast<sockaddr*>(&a), &size) != 0) return 0;
  const u_short port = a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&a)->sin_port;
  return ntohs(port);
}

// A listener on `ip`:0, a connection to it and the accepted end.
struct Pair {
  RawSocket listener, client, server;
};

Pair Connect(int family, const char* ip) {
  Pair p;
  sockaddr_storage a{};
  int size = 0;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
    v4->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &v4->sin_addr);
    size = sizeof(*v4);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    v6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &v6->sin6_addr);
    size = sizeof(*v6);
  }
  p.listener = RawSocket(socket(family, SOCK_STREAM, IPPROTO_TCP));
  EXPECT_EQ(bind(p.listener.get(), reinterpret_cast<sockaddr*>(&a), size), 0) << WSAGetLastError();
  EXPECT_EQ(listen(p.listener.get(), 1), 0);
  EXPECT_EQ(getsockname(p.listener.get(), reinterpret_cast<sockaddr*>(&a), &size), 0);
  p.client = RawSocket(socket(family, SOCK_STREAM, IPPROTO_TCP));
  EXPECT_EQ(connect(p.client.get(), reinterpret_cast<sockaddr*>(&a), size), 0) << WSAGetLastError();
  p.server = RawSocket(accept(p.listener.get(), nullptr, nullptr));
  EXPECT_NE(p.server.get(), INVALID_SOCKET);
  return p;
}

// The whole table once: under Wine each listing costs time in proportion to every TCP
// socket of the host (thousands in TIME_WAIT while other tests run), so a test lists it as
// few times as it can.
std::vector<TcpConnectionInfo> Snapshot() {
  Result<std::vector<TcpConnectionInfo>> all = ListTcpConnections();
  EXPECT_TRUE(all.ok()) << all.error().Message();
  return all.ok() ? *all : std::vector<TcpConnectionInfo>();
}

// The rows from ip:local_port to ip:remote_port. The IP counts: under Wine the table is the
// whole host's, where another process may hold the same two ports between other addresses.
std::vector<TcpConnectionInfo> Between(const std::vector<TcpConnectionInfo>& all,
                                       const std::string& ip, unsigned local_port,
                                       unsigned remote_port) {
  std::vector<TcpConnectionInfo> out;
  for (const TcpConnectionInfo& c : all) {
    if (c.local_ip == ip && c.remote_ip == ip && c.local_port == local_port &&
        c.remote_port == remote_port) {
      out.push_back(c);
    }
  }
  return out;
}

// One row between the two ports, on `ip`, owned by this process, or (unless `known`: under
// Wine) by no one known.
void ExpectOurs(const std::vector<TcpConnectionInfo>& rows, const std::string& ip, bool known) {
  std::string listed;
  for (const TcpConnectionInfo& c : rows) {
    listed += " [" + c.local_ip + ":" + std::to_string(c.local_port) + " -> " + c.remote_ip + ":" +
              std::to_string(c.remote_port) + " pid " + std::to_string(c.pid) + " " + c.process +
              "]";
  }
  ASSERT_EQ(rows.size(), 1u) << "rows:" << listed;
  EXPECT_EQ(rows[0].local_ip, ip);
  EXPECT_EQ(rows[0].remote_ip, ip);
  const long ours = static_cast<long>(GetCurrentProcessId());
  if (!known && rows[0].pid == 0) {
    EXPECT_EQ(rows[0].process, "");
    return;
  }
  EXPECT_EQ(rows[0].pid, ours);
  EXPECT_EQ(rows[0].process, "windows_platform_tests.exe");
}

// Whether this is Wine rather than Windows (ntdll exports wine_get_version).
bool RunningUnderWine() {
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// The connecting end sends a byte the accepted end reads.
void Exchange(Pair& p) {
  char byte = 'x';
  ASSERT_EQ(send(p.client.get(), &byte, 1, 0), 1);
  ASSERT_EQ(recv(p.server.get(), &byte, 1, 0), 1);
}

TEST(TcpConnectionsTest, BothEndsOfAnIpv4ConnectionAreListedAndTheSendersOwnerKnown) {
  StartWinsock();
  Pair p = Connect(AF_INET, "127.0.0.1");
  const unsigned listening = PortOf(p.listener.get());
  const unsigned client = PortOf(p.client.get());
  ASSERT_NE(listening, 0u);
  const std::vector<TcpConnectionInfo> fresh = Snapshot();
  ExpectOurs(Between(fresh, "127.0.0.1", client, listening), "127.0.0.1", /*known=*/false);
  ExpectOurs(Between(fresh, "127.0.0.1", listening, client), "127.0.0.1", /*known=*/false);
  Exchange(p);
  const std::vector<TcpConnectionInfo> used = Snapshot();
  ExpectOurs(Between(used, "127.0.0.1", client, listening), "127.0.0.1", /*known=*/true);
  ExpectOurs(Between(used, "127.0.0.1", listening, client), "127.0.0.1", /*known=*/false);
  p.client.Close();
  p.server.Close();
  EXPECT_TRUE(Between(Snapshot(), "127.0.0.1", client, listening).empty());
}

// Wine 8.0 gave pid 0 to both ends of an IPv6 connection, also after the send: the owner
// is asked for exactly on Windows only (where it is always known), as above.
TEST(TcpConnectionsTest, BothEndsOfAnIpv6ConnectionAreListed) {
  StartWinsock();
  Pair p = Connect(AF_INET6, "::1");
  const unsigned listening = PortOf(p.listener.get());
  const unsigned client = PortOf(p.client.get());
  ASSERT_NE(listening, 0u);
  Exchange(p);
  const std::vector<TcpConnectionInfo> used = Snapshot();
  ExpectOurs(Between(used, "::1", client, listening), "::1", /*known=*/!RunningUnderWine());
  ExpectOurs(Between(used, "::1", listening, client), "::1", /*known=*/false);
}

}  // namespace
}  // namespace osfleet::platform::testing
