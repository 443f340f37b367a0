// The Windows side of TcpListener with real loopback sockets (127.0.0.0/8 are all loopback,
// so 127.0.0.2, .3, ... act as different peers): binding, the accept thread handing over
// SOCKETs as ints, the per-address share, the ceiling on open connections, the eviction
// during a flood, and Stop.
#include "common/platform/tcp_listener.h"

// The test's own ends use Winsock directly; the code under test does not.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/platform/sockets.h"
#include "common/platform/windows/win32.h"
#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void StartWinsock() {
  static const int started = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  ASSERT_EQ(started, 0);
}

// What hand_over's int stands for (see windows/tcp_listener.cc).
SOCKET AsSocket(int fd) { return static_cast<SOCKET>(static_cast<std::intptr_t>(fd)); }

class RawSocket {
 public:
  explicit RawSocket(SOCKET socket = INVALID_SOCKET) : socket_(socket) {}
  RawSocket(RawSocket&& other) noexcept : socket_(std::exchange(other.socket_, INVALID_SOCKET)) {}
  RawSocket& operator=(RawSocket&& other) noexcept {
    std::swap(socket_, other.socket_);
    return *this;
  }
  ~RawSocket() {
    if (socket_ != INVALID_SOCKET) closesocket(socket_);
  }
  SOCKET get() const { return socket_; }

 private:
  SOCKET socket_;
};

// A client connected to 127.0.0.1:port from the loopback address source (blocking connect:
// the listener's backlog takes it whether or not the accept thread admits it later).
RawSocket ConnectFrom(const std::string& source, int port) {
  StartWinsock();
  RawSocket client(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  EXPECT_EQ(bind(client.get(), reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0)
      << WSAGetLastError();
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  EXPECT_EQ(connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0)
      << WSAGetLastError();
  return client;
}

bool WaitReadable(SOCKET socket, std::chrono::milliseconds timeout) {
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(socket, &readable);
  const long ms = static_cast<long>(timeout.count());
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  return select(0, &readable, nullptr, nullptr, &tv) == 1;
}

// What arrives on socket within the timeout ("" when nothing did).
std::string ReceiveSome(SOCKET socket) {
  if (!WaitReadable(socket, 10000ms)) return "";
  char buffer[64];
  const int n = recv(socket, buffer, sizeof(buffer), 0);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
}

// Whether the other end ended the connection (FIN or reset) within a few seconds.
bool SeesTheEnd(const RawSocket& client) {
  if (!WaitReadable(client.get(), 10000ms)) return false;
  char byte;
  return recv(client.get(), &byte, 1, 0) <= 0;
}

// Keeps what the listener hands over, as its owner would, and closes it at the end.
class Taker {
 public:
  void Take(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    sockets_.push_back(AsSocket(fd));
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return sockets_.size();
  }
  SOCKET at(std::size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return sockets_.at(i);
  }
  void CloseFirst() {
    std::lock_guard<std::mutex> lock(mu_);
    closesocket(sockets_.front());
    sockets_.erase(sockets_.begin());
  }
  ~Taker() {
    for (SOCKET s : sockets_) closesocket(s);
  }

 private:
  std::mutex mu_;
  std::vector<SOCKET> sockets_;
};

// What on_refused was told.
class Refusals {
 public:
  TcpListener::OnRefused Callback() {
    return [this](const std::string& peer, const std::string& why) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.emplace_back(peer, why);
    };
  }
  std::vector<std::pair<std::string, std::string>> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> seen_;
};

// Polls (the accept thread works on its own) until done() or 10 s have passed.
bool Eventually(const std::function<bool()>& done) {
  const Clock::time_point end = Clock::now() + 10s;
  while (!done()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::uint64_t Decided(const TcpListener& l) {
  const ListenerCounters c = l.counters();
  return c.accepted + c.refused_full + c.refused_peer;
}

// Waits until the listener has admitted or refused `total` connections in all.
bool WaitForTotal(const TcpListener& l, std::uint64_t total) {
  return Eventually([&] { return Decided(l) >= total; });
}

std::unique_ptr<TcpListener> BindLoopback(ListenerLimits limits) {
  Result<std::unique_ptr<TcpListener>> l = TcpListener::Bind("127.0.0.1", 0, limits);
  EXPECT_TRUE(l.ok()) << l.error().Message();
  if (!l.ok()) return nullptr;
  EXPECT_NE((*l)->port(), 0);
  return std::move(*l);
}

TEST(WindowsTcpListener, DoesNotHandDescriptorsToGrpc) {
  EXPECT_FALSE(ListenerHandsOverDescriptors());
}

TEST(WindowsTcpListener, HandsOverEachAcceptedConnectionAsItsSocket) {
  std::unique_ptr<TcpListener> l = BindLoopback({});
  ASSERT_NE(l, nullptr);
  Taker taker;
  l->Start([&](int fd) { taker.Take(fd); }, nullptr);
  RawSocket client = ConnectFrom("127.0.0.1", l->port());
  ASSERT_TRUE(Eventually([&] { return taker.size() == 1; }));
  EXPECT_EQ(l->counters().accepted, 1u);
  // The int is the server's end of that very connection.
  ASSERT_EQ(send(client.get(), "hello", 5, 0), 5);
  EXPECT_EQ(ReceiveSome(taker.at(0)), "hello");
  ASSERT_EQ(send(taker.at(0), "back", 4, 0), 4);
  EXPECT_EQ(ReceiveSome(client.get()), "back");
}

TEST(WindowsTcpListener, OneAddressHoldsAtMostItsShare) {
  std::unique_ptr<TcpListener> l = BindLoopback({128, 1024, 2});
  ASSERT_NE(l, nullptr);
  Taker taker;
  Refusals refusals;
  l->Start([&](int fd) { taker.Take(fd); }, refusals.Callback());
  std::vector<RawSocket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(ConnectFrom("127.0.0.2", l->port()));
    ASSERT_TRUE(WaitForTotal(*l, i + 1));
  }
  EXPECT_EQ(l->counters().accepted, 2u);
  EXPECT_EQ(l->counters().refused_peer, 1u);
  ASSERT_EQ(refusals.seen().size(), 1u);
  EXPECT_EQ(refusals.seen()[0].first, "127.0.0.2");
  EXPECT_EQ(refusals.seen()[0].second, "this address holds 2 connections already");
  EXPECT_TRUE(SeesTheEnd(clients[2])) << "the refused connection was left open";

  // Another address is not held back by the first one's.
  clients.push_back(ConnectFrom("127.0.0.3", l->port()));
  ASSERT_TRUE(WaitForTotal(*l, 4));
  EXPECT_EQ(l->counters().accepted, 3u);

  // Once its owner closes one of them, the first address gets a connection again.
  taker.CloseFirst();
  clients.push_back(ConnectFrom("127.0.0.2", l->port()));
  ASSERT_TRUE(WaitForTotal(*l, 5));
  EXPECT_EQ(l->counters().accepted, 4u);
  EXPECT_EQ(l->counters().refused_peer, 1u);
}

// Windows has no descriptor numbers: max_connection_fds caps the connections still open.
TEST(WindowsTcpListener, TheCeilingCapsTheOpenConnections) {
  std::unique_ptr<TcpListener> l = BindLoopback({128, 3, 1000});
  ASSERT_NE(l, nullptr);
  Taker taker;
  Refusals refusals;
  l->Start([&](int fd) { taker.Take(fd); }, refusals.Callback());
  std::vector<RawSocket> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(ConnectFrom("127.0.0." + std::to_string(10 + i), l->port()));
    ASSERT_TRUE(WaitForTotal(*l, i + 1));
  }
  EXPECT_EQ(l->counters().accepted, 3u);
  EXPECT_EQ(l->counters().refused_full, 1u);
  ASSERT_EQ(refusals.seen().size(), 1u);
  EXPECT_EQ(refusals.seen()[0].first, "127.0.0.13");
  EXPECT_EQ(refusals.seen()[0].second, "no room left for connections (3 open, ceiling 3)");

  taker.CloseFirst();  // a connection closed since no longer counts
  clients.push_back(ConnectFrom("127.0.0.14", l->port()));
  ASSERT_TRUE(WaitForTotal(*l, 5));
  EXPECT_EQ(l->counters().accepted, 4u);
}

// Two addresses flood the listener up to its ceiling; a third (an operator) still gets a
// connection, because the heaviest address loses its oldest.
TEST(WindowsTcpListener, AFloodFromSeveralAddressesLeavesRoomForAnother) {
  std::unique_ptr<TcpListener> l = BindLoopback({0, 8, 1000});
  ASSERT_NE(l, nullptr);
  Taker taker;
  l->Start([&](int fd) { taker.Take(fd); }, nullptr);
  std::vector<RawSocket> clients;
  std::uint64_t total = 0;
  for (int i = 0; i < 40 && l->counters().refused_full == 0; ++i) {
    clients.push_back(ConnectFrom(i % 2 ? "127.0.0.3" : "127.0.0.2", l->port()));
    ASSERT_TRUE(WaitForTotal(*l, ++total));
  }
  ASSERT_GT(l->counters().refused_full, 0u) << "the flood never reached the ceiling";
  EXPECT_EQ(l->counters().evicted, 0u);  // the flood never evicts itself
  const std::uint64_t accepted = l->counters().accepted;
  clients.push_back(ConnectFrom("127.0.0.9", l->port()));
  ASSERT_TRUE(WaitForTotal(*l, ++total));
  EXPECT_EQ(l->counters().accepted, accepted + 1);
  EXPECT_EQ(l->counters().evicted, 1u);
  // The evicted one is the oldest connection of 127.0.0.2, the heaviest: its client sees
  // the end (the listener shut it down; its owner still holds the SOCKET).
  EXPECT_TRUE(SeesTheEnd(clients[0]));
}

TEST(WindowsTcpListener, StopEndsAccepting) {
  std::unique_ptr<TcpListener> l = BindLoopback({});
  ASSERT_NE(l, nullptr);
  Taker taker;
  l->Start([&](int fd) { taker.Take(fd); }, nullptr);
  ASSERT_TRUE(LoopbackPortAccepts(l->port()));
  ASSERT_TRUE(WaitForTotal(*l, 1));
  l->Stop();
  EXPECT_FALSE(LoopbackPortAccepts(l->port()));  // the listening socket is closed
  l->Stop();                                     // again: nothing to do
  EXPECT_EQ(l->counters().accepted, 1u);
}

TEST(WindowsTcpListener, AnAddressInUseIsAnError) {
  std::unique_ptr<TcpListener> first = BindLoopback({});
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<TcpListener>> second = TcpListener::Bind("127.0.0.1", first->port(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, std::errc::address_in_use) << second.error().Message();
  EXPECT_EQ(second.error().what, "binding 127.0.0.1:" + std::to_string(first->port()));
}

TEST(WindowsTcpListener, BindsEveryAddressOfAHostOnOnePort) {
  StartWinsock();
  Result<std::unique_ptr<TcpListener>> named = TcpListener::Bind("localhost", 0, {});
  ASSERT_TRUE(named.ok()) << named.error().Message();
  Result<std::vector<SocketAddress>> addresses = ResolveHost("localhost");
  ASSERT_TRUE(addresses.ok());
  for (const SocketAddress& a : *addresses) {
    EXPECT_TRUE(
        ConnectTcp(a.WithPort(static_cast<std::uint16_t>((*named)->port())), Clock::now() + 5s)
            .ok())
        << a.ip;
  }
}

TEST(WindowsTcpListener, AnIpv6AddressIsIpv6Only) {
  Result<std::unique_ptr<TcpListener>> v6 = TcpListener::Bind("::1", 0, {});
  ASSERT_TRUE(v6.ok()) << v6.error().Message();
  const auto port = static_cast<std::uint16_t>((*v6)->port());
  EXPECT_TRUE(ConnectTcp(ParseNumericAddress("::1")->WithPort(port), Clock::now() + 5s).ok());
  EXPECT_FALSE(LoopbackPortAccepts(port));  // 127.0.0.1: IPV6_V6ONLY
}

TEST(WindowsTcpListener, AnEmptyHostListensOnBothFamilies) {
  Result<std::unique_ptr<TcpListener>> any = TcpListener::Bind("", 0, {});
  ASSERT_TRUE(any.ok()) << any.error().Message();
  const auto port = static_cast<std::uint16_t>((*any)->port());
  EXPECT_TRUE(ConnectTcp(ParseNumericAddress("::1")->WithPort(port), Clock::now() + 5s).ok());
  EXPECT_TRUE(LoopbackPortAccepts(port));  // "::" dual stack, as on POSIX
}

}  // namespace
}  // namespace osfleet::platform::testing
