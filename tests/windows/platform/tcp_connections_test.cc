// ListTcpConnections on Windows (GetExtendedTcpTable, TCP_TABLE_OWNER_PID_ALL) with real
// loopback connections made by this test: each end is listed, in network-order ports turned
// into numbers, with this process's pid and image name; closing them takes them out.
// Under Wine 8.0 (the Debian package the tests run on) both tables come from wineserver,
// which knows each socket's owning process: the pid is Wine's Windows pid
// (GetCurrentProcessId()) and QueryFullProcessImageNameW gives this program's path, so the
// test asks for them exactly; if a Wine ever answered 0, the test would fail on the pid
// rather than pass on a row without an owner.
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

std::vector<TcpConnectionInfo> Between(unsigned local_port, unsigned remote_port) {
  Result<std::vector<TcpConnectionInfo>> all = ListTcpConnections();
  EXPECT_TRUE(all.ok()) << all.error().Message();
  std::vector<TcpConnectionInfo> out;
  if (!all.ok()) return out;
  for (const TcpConnectionInfo& c : *all) {
    if (c.local_port == local_port && c.remote_port == remote_port) out.push_back(c);
  }
  return out;
}

void ExpectOurs(const std::vector<TcpConnectionInfo>& rows, const std::string& ip) {
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].local_ip, ip);
  EXPECT_EQ(rows[0].remote_ip, ip);
  EXPECT_EQ(rows[0].pid, static_cast<long>(GetCurrentProcessId()));
  EXPECT_EQ(rows[0].process, "windows_platform_tests.exe");
}

TEST(TcpConnectionsTest, BothEndsOfAnIpv4ConnectionAreOurs) {
  StartWinsock();
  Pair p = Connect(AF_INET, "127.0.0.1");
  const unsigned listening = PortOf(p.listener.get());
  const unsigned client = PortOf(p.client.get());
  ASSERT_NE(listening, 0u);
  ExpectOurs(Between(client, listening), "127.0.0.1");
  ExpectOurs(Between(listening, client), "127.0.0.1");
  p.client.Close();
  p.server.Close();
  EXPECT_TRUE(Between(client, listening).empty());
}

TEST(TcpConnectionsTest, AnIpv6ConnectionIsListed) {
  StartWinsock();
  Pair p = Connect(AF_INET6, "::1");
  const unsigned listening = PortOf(p.listener.get());
  const unsigned client = PortOf(p.client.get());
  ASSERT_NE(listening, 0u);
  ExpectOurs(Between(client, listening), "::1");
}

}  // namespace
}  // namespace osfleet::platform::testing
