// The Windows side of common/platform/sockets.h with real loopback sockets (port 0: the OS
// picks): name resolution, TCP connect / send / receive bounded by deadlines, UDP, and the
// refusals (TCP: WSAECONNREFUSED; UDP: ICMP port unreachable, which Windows reports from
// recv() as WSAECONNRESET and Wine only in SO_ERROR; both come out as connection_refused).
#include "common/platform/sockets.h"

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
#include <cstring>
#include <string>
#include <utility>

#include "common/platform/windows/win32.h"
#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Deadline In(std::chrono::milliseconds timeout) { return Clock::now() + timeout; }

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
  ~RawSocket() { Reset(); }
  SOCKET get() const { return socket_; }
  bool valid() const { return socket_ != INVALID_SOCKET; }
  void Reset() {
    if (valid()) closesocket(socket_);
    socket_ = INVALID_SOCKET;
  }

 private:
  SOCKET socket_;
};

// A socket bound to a loopback address port 0, listening when TCP.
struct Bound {
  RawSocket socket;
  std::uint16_t port = 0;
};

Bound BindLoopback(int type, bool listening, int family = AF_INET) {
  StartWinsock();
  Bound bound;
  bound.socket = RawSocket(socket(family, type, 0));
  EXPECT_TRUE(bound.socket.valid());
  sockaddr_storage address{};
  int length = 0;
  if (family == AF_INET) {
    auto& v4 = reinterpret_cast<sockaddr_in&>(address);
    v4.sin_family = AF_INET;
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(v4);
  } else {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(address);
    v6.sin6_family = AF_INET6;
    v6.sin6_addr = in6addr_loopback;
    length = sizeof(v6);
  }
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  EXPECT_EQ(bind(bound.socket.get(), raw, length), 0) << WSAGetLastError();
  EXPECT_EQ(getsockname(bound.socket.get(), raw, &length), 0);
  if (listening) {
    EXPECT_EQ(listen(bound.socket.get(), 4), 0);
  }
  bound.port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in&>(address).sin_port
                                       : reinterpret_cast<sockaddr_in6&>(address).sin6_port);
  return bound;
}

SocketAddress Loopback(std::uint16_t port, const char* ip = "127.0.0.1") {
  std::optional<SocketAddress> address = ParseNumericAddress(ip);
  EXPECT_TRUE(address.has_value());
  return address.value_or(SocketAddress{}).WithPort(port);
}

// Accepts the one connection queued on a listening socket (blocking).
RawSocket AcceptOne(const Bound& server) {
  return RawSocket(accept(server.socket.get(), nullptr, nullptr));
}

bool IsLoopbackText(const std::string& ip) { return ip == "::1" || ip.rfind("127.", 0) == 0; }

TEST(WindowsSocketAddress, ParsesLiteralsOnly) {
  std::optional<SocketAddress> v6 = ParseNumericAddress("2001:db8::5");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->ip, "2001:db8::5");
  EXPECT_EQ(v6->length, sizeof(sockaddr_in6));
  std::optional<SocketAddress> v4 = ParseNumericAddress("127.0.0.1");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->ip, "127.0.0.1");
  EXPECT_EQ(v4->length, sizeof(sockaddr_in));
  EXPECT_FALSE(ParseNumericAddress("db.example.com").has_value());
  EXPECT_FALSE(ParseNumericAddress("localhost").has_value());
  // Windows' getaddrinfo would take these two; glibc's (POSIX) does not.
  EXPECT_FALSE(ParseNumericAddress("[::1]").has_value());
  EXPECT_FALSE(ParseNumericAddress("").has_value());
}

TEST(WindowsSocketAddress, WithPortSetsThePortOfEitherFamily) {
  const SocketAddress v4 = Loopback(8443);
  sockaddr_in in4{};
  std::memcpy(&in4, v4.storage.data(), sizeof(in4));
  EXPECT_EQ(ntohs(in4.sin_port), 8443);
  EXPECT_EQ(v4.ip, "127.0.0.1");
  const SocketAddress v6 = Loopback(9000, "::1");
  sockaddr_in6 in6{};
  std::memcpy(&in6, v6.storage.data(), sizeof(in6));
  EXPECT_EQ(ntohs(in6.sin6_port), 9000);
}

TEST(WindowsResolveHost, LocalhostAndALiteralResolve) {
  Result<std::vector<SocketAddress>> local = ResolveHost("localhost");
  ASSERT_TRUE(local.ok()) << local.error().Message();
  ASSERT_FALSE(local->empty());
  for (std::size_t i = 0; i < local->size(); ++i) {
    EXPECT_TRUE(IsLoopbackText((*local)[i].ip)) << (*local)[i].ip;
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE((*local)[i].ip, (*local)[j].ip);
  }
  Result<std::vector<SocketAddress>> literal = ResolveHost("127.0.0.1");
  ASSERT_TRUE(literal.ok()) << literal.error().Message();
  ASSERT_EQ(literal->size(), 1u);
  EXPECT_EQ((*literal)[0].ip, "127.0.0.1");
  Result<std::vector<SocketAddress>> v6 = ResolveHost("::1");
  ASSERT_TRUE(v6.ok()) << v6.error().Message();
  ASSERT_EQ(v6->size(), 1u);
  EXPECT_EQ((*v6)[0].ip, "::1");
}

// ".invalid" never exists (RFC 2606): NXDOMAIN, or no answer at all where there is no DNS.
void ExpectNoSuchName(const std::string& host) {
  Result<std::vector<SocketAddress>> none = ResolveHost(host);
  ASSERT_FALSE(none.ok()) << host;
  EXPECT_TRUE(none.error().code == Errc::kNoSuchHost || none.error().code == Errc::kTryAgain)
      << none.error().Message();
  EXPECT_NE(none.error().Message().find("resolving '" + host + "' failed"), std::string::npos)
      << none.error().Message();
}

TEST(WindowsResolveHost, ANameThatDoesNotExistFails) {
  ExpectNoSuchName("nosuch.invalid");
  ExpectNoSuchName("bücher-nosuch.invalid");  // UTF-8, through GetAddrInfoW
}

TEST(WindowsResolveHost, AnEmptyOrBracketedNameIsNoName) {
  // Windows would list this machine's addresses for "" and read "[::1]"; glibc does neither.
  for (const char* host : {"", "[::1]"}) {
    Result<std::vector<SocketAddress>> none = ResolveHost(host);
    ASSERT_FALSE(none.ok()) << host;
    EXPECT_EQ(none.error().code, Errc::kNoSuchHost) << none.error().Message();
  }
}

TEST(WindowsConnectTcp, AListeningPortAcceptsAndTalks) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true);
  Result<Socket> client = ConnectTcp(Loopback(server.port), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  RawSocket accepted = AcceptOne(server);
  ASSERT_TRUE(accepted.valid());

  ASSERT_TRUE(client->SendAll("ping", In(5s)).ok());
  char buffer[16] = {};
  ASSERT_EQ(recv(accepted.get(), buffer, sizeof(buffer), 0), 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
  ASSERT_EQ(send(accepted.get(), "pong", 4, 0), 4);
  Result<std::size_t> got = client->Receive(buffer, sizeof(buffer), In(5s));
  ASSERT_TRUE(got.ok()) << got.error().Message();
  EXPECT_EQ(std::string(buffer, *got), "pong");

  // Then the peer closes: 0 bytes.
  accepted.Reset();
  Result<std::size_t> closed = client->Receive(buffer, sizeof(buffer), In(5s));
  ASSERT_TRUE(closed.ok()) << closed.error().Message();
  EXPECT_EQ(*closed, 0u);
}

TEST(WindowsConnectTcp, TalksOverIpv6Loopback) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true, AF_INET6);
  Result<Socket> client = ConnectTcp(Loopback(server.port, "::1"), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  RawSocket accepted = AcceptOne(server);
  ASSERT_TRUE(accepted.valid());
  ASSERT_TRUE(client->SendAll("v6", In(5s)).ok());
  char buffer[4] = {};
  ASSERT_EQ(recv(accepted.get(), buffer, sizeof(buffer), 0), 2);
  EXPECT_EQ(std::string(buffer, 2), "v6");
}

TEST(WindowsConnectTcp, APeerThatNeverAnswersRunsIntoTheDeadline) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true);
  Result<Socket> client = ConnectTcp(Loopback(server.port), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  RawSocket accepted = AcceptOne(server);
  char buffer[16];
  const Clock::time_point start = Clock::now();
  Result<std::size_t> silent = client->Receive(buffer, sizeof(buffer), In(200ms));
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, Errc::kDeadlineExceeded);
  EXPECT_GE(Clock::now() - start, 190ms);  // it waited (select's clock may be a hair early)
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(WindowsConnectTcp, ADeadlineInThePastIsExceededAtOnce) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true);
  const Deadline past = Clock::now() - 1s;
  // Windows' non-blocking connect() always reports WSAEWOULDBLOCK first: it has to wait.
  Result<Socket> late = ConnectTcp(Loopback(server.port), past);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::kDeadlineExceeded);

  Result<Socket> client = ConnectTcp(Loopback(server.port), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  char buffer[16];
  Result<std::size_t> got = client->Receive(buffer, sizeof(buffer), past);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::kDeadlineExceeded);
  // Sending what fits in the socket's buffer needs no waiting, hence no time.
  EXPECT_TRUE(client->SendAll("small", past).ok());
}

TEST(WindowsConnectTcp, SendingToAPeerThatDoesNotReadRunsIntoTheDeadline) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true);
  const int small = 4096;
  setsockopt(server.socket.get(), SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&small),
             sizeof(small));
  Result<Socket> client = ConnectTcp(Loopback(server.port), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  RawSocket accepted = AcceptOne(server);
  ASSERT_TRUE(accepted.valid());
  // Windows may buffer a large send whole; the buffers fill up by the second or third.
  const std::string lots(16 << 20, 'x');
  Result<void> sent;
  for (int i = 0; i < 64 && sent.ok(); ++i) sent = client->SendAll(lots, In(300ms));
  ASSERT_FALSE(sent.ok()) << "1 GiB went to a peer that reads nothing";
  EXPECT_EQ(sent.error().code, Errc::kDeadlineExceeded) << sent.error().Message();
  EXPECT_EQ(sent.error().Message(), "sending did not finish in time");
}

TEST(WindowsConnectTcp, AClosedPortIsRefused) {
  std::uint16_t port = 0;
  {
    Bound closed = BindLoopback(SOCK_STREAM, /*listening=*/false);
    port = closed.port;
  }
  Result<Socket> client = ConnectTcp(Loopback(port), In(10s));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, std::errc::connection_refused) << client.error().Message();
  EXPECT_EQ(client.error().code.value(), WSAECONNREFUSED);
  EXPECT_EQ(client.error().what, "connecting");
  EXPECT_NE(client.error().Message().find("(error 10061)"), std::string::npos)
      << client.error().Message();
}

TEST(WindowsLoopbackPortAccepts, OnlyWhenSomethingListens) {
  Bound listening = BindLoopback(SOCK_STREAM, /*listening=*/true);
  EXPECT_TRUE(LoopbackPortAccepts(listening.port));
  Bound bound_only = BindLoopback(SOCK_STREAM, /*listening=*/false);
  EXPECT_FALSE(LoopbackPortAccepts(bound_only.port));
  std::uint16_t port = 0;
  {
    Bound closed = BindLoopback(SOCK_STREAM, /*listening=*/false);
    port = closed.port;
  }
  EXPECT_FALSE(LoopbackPortAccepts(port));
}

TEST(WindowsSocket, MovingTransfersTheSocket) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true);
  Result<Socket> client = ConnectTcp(Loopback(server.port), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  Socket moved(std::move(*client));
  EXPECT_TRUE(moved.valid());
  EXPECT_FALSE(client->valid());  // NOLINT(bugprone-use-after-move): what a move leaves
  Socket assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(assigned.valid());
  RawSocket accepted = AcceptOne(server);
  ASSERT_TRUE(assigned.SendAll("moved", In(5s)).ok());
  char buffer[8] = {};
  ASSERT_EQ(recv(accepted.get(), buffer, sizeof(buffer), 0), 5);
}

TEST(WindowsUdp, ExchangesADatagramWithALoopbackServer) {
  Bound server = BindLoopback(SOCK_DGRAM, /*listening=*/false);
  Result<Socket> client = ConnectUdp(Loopback(server.port));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  ASSERT_TRUE(client->SendDatagram("query").ok());
  char buffer[64];
  sockaddr_storage peer{};
  int peer_length = sizeof(peer);
  const int n = recvfrom(server.socket.get(), buffer, sizeof(buffer), 0,
                         reinterpret_cast<sockaddr*>(&peer), &peer_length);
  ASSERT_EQ(n, 5);
  EXPECT_EQ(std::string(buffer, 5), "query");
  ASSERT_EQ(
      sendto(server.socket.get(), "answer", 6, 0, reinterpret_cast<sockaddr*>(&peer), peer_length),
      6);
  Result<std::optional<std::string>> answer = client->ReceiveDatagram(In(5s));
  ASSERT_TRUE(answer.ok()) << answer.error().Message();
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ(**answer, "answer");
  // Nothing more comes: nullopt at the deadline, not before.
  const Clock::time_point start = Clock::now();
  Result<std::optional<std::string>> nothing = client->ReceiveDatagram(In(200ms));
  ASSERT_TRUE(nothing.ok()) << nothing.error().Message();
  EXPECT_FALSE(nothing->has_value());
  EXPECT_GE(Clock::now() - start, 190ms);
}

// Windows: recv() fails with WSAECONNRESET. Wine: select() never wakes and recv() says
// WSAEWOULDBLOCK, but SO_ERROR holds WSAECONNREFUSED. Either way: connection_refused, and
// at once, not at the deadline.
TEST(WindowsUdp, AClosedPortIsRefused) {
  std::uint16_t port = 0;
  {
    Bound closed = BindLoopback(SOCK_DGRAM, /*listening=*/false);
    port = closed.port;
  }
  Result<Socket> client = ConnectUdp(Loopback(port));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  ASSERT_TRUE(client->SendDatagram("query").ok());
  const Clock::time_point start = Clock::now();
  Result<std::optional<std::string>> answer = client->ReceiveDatagram(In(5s));
  ASSERT_FALSE(answer.ok()) << (answer->has_value() ? "an answer" : "nothing before the deadline");
  EXPECT_EQ(answer.error().code, std::errc::connection_refused) << answer.error().Message();
  EXPECT_EQ(answer.error().what, "receiving");
  EXPECT_LT(Clock::now() - start, 4s);
}

}  // namespace
}  // namespace osfleet::platform::testing
