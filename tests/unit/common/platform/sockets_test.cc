#include "common/platform/sockets.h"

// The test's own servers use the OS directly; the code under test does not.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/platform/unique_fd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

using namespace std::chrono_literals;

Deadline In(std::chrono::milliseconds timeout) {
  return std::chrono::steady_clock::now() + timeout;
}

// A socket bound to 127.0.0.1 port 0 (the OS picks the port), listening when TCP.
struct Bound {
  UniqueFd fd;
  std::uint16_t port = 0;
};

Bound BindLoopback(int type, bool listening) {
  Bound bound;
  bound.fd = UniqueFd(socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(bound.fd.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  EXPECT_EQ(getsockname(bound.fd.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  if (listening) {
    EXPECT_EQ(listen(bound.fd.get(), 4), 0);
  }
  bound.port = ntohs(address.sin_port);
  return bound;
}

SocketAddress Loopback(std::uint16_t port) {
  std::optional<SocketAddress> address = ParseNumericAddress("127.0.0.1");
  EXPECT_TRUE(address.has_value());
  return address->WithPort(port);
}

TEST(SocketAddressTest, ParsesLiteralsOnly) {
  std::optional<SocketAddress> v6 = ParseNumericAddress("2001:db8::5");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->ip, "2001:db8::5");
  EXPECT_EQ(ParseNumericAddress("127.0.0.1")->ip, "127.0.0.1");
  EXPECT_FALSE(ParseNumericAddress("db.example.com").has_value());
  EXPECT_FALSE(ParseNumericAddress("[::1]").has_value());
}

TEST(ResolveHostTest, LocalhostResolvesAndANonNameFails) {
  Result<std::vector<SocketAddress>> local = ResolveHost("localhost");
  ASSERT_TRUE(local.ok()) << local.error().Message();
  ASSERT_FALSE(local->empty());
  for (size_t i = 1; i < local->size(); ++i) EXPECT_NE((*local)[i].ip, (*local)[0].ip);
  Result<std::vector<SocketAddress>> none = ResolveHost("nosuch.invalid");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().Message(), ::testing::HasSubstr("resolving 'nosuch.invalid' failed"));
}

TEST(ConnectTcpTest, AListeningPortAcceptsAndTalks) {
  Bound server = BindLoopback(SOCK_STREAM, /*listening=*/true);
  Result<Socket> client = ConnectTcp(Loopback(server.port), In(5s));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  UniqueFd accepted(accept(server.fd.get(), nullptr, nullptr));
  ASSERT_TRUE(accepted.valid());

  ASSERT_TRUE(client->SendAll("ping", In(5s)).ok());
  char buffer[16] = {};
  ASSERT_EQ(recv(accepted.get(), buffer, sizeof(buffer), 0), 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
  ASSERT_EQ(send(accepted.get(), "pong", 4, 0), 4);
  Result<size_t> got = client->Receive(buffer, sizeof(buffer), In(5s));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(buffer, *got), "pong");

  // Nothing more comes: the deadline; then the peer closes: 0 bytes.
  Result<size_t> silent = client->Receive(buffer, sizeof(buffer), In(50ms));
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, Errc::kDeadlineExceeded);
  accepted.Reset();
  Result<size_t> closed = client->Receive(buffer, sizeof(buffer), In(5s));
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, 0u);
}

TEST(LoopbackPortAcceptsTest, OnlyWhenSomethingListens) {
  Bound listening = BindLoopback(SOCK_STREAM, /*listening=*/true);
  EXPECT_TRUE(LoopbackPortAccepts(listening.port));
  Bound bound_only = BindLoopback(SOCK_STREAM, /*listening=*/false);
  EXPECT_FALSE(LoopbackPortAccepts(bound_only.port));
}

TEST(ConnectTcpTest, AClosedPortIsRefused) {
  std::uint16_t port = 0;
  {
    Bound closed = BindLoopback(SOCK_STREAM, /*listening=*/false);
    port = closed.port;
  }
  EXPECT_FALSE(LoopbackPortAccepts(port));
  Result<Socket> client = ConnectTcp(Loopback(port), In(5s));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, std::errc::connection_refused);
  EXPECT_EQ(client.error().Message(), "connecting: Connection refused");
}

TEST(UdpTest, ExchangesADatagramWithALoopbackServer) {
  Bound server = BindLoopback(SOCK_DGRAM, /*listening=*/false);
  Result<Socket> client = ConnectUdp(Loopback(server.port));
  ASSERT_TRUE(client.ok()) << client.error().Message();
  ASSERT_TRUE(client->SendDatagram("query").ok());
  char buffer[64];
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof(peer);
  const ssize_t n = recvfrom(server.fd.get(), buffer, sizeof(buffer), 0,
                             reinterpret_cast<sockaddr*>(&peer), &peer_length);
  ASSERT_EQ(n, 5);
  EXPECT_EQ(std::string(buffer, 5), "query");
  ASSERT_EQ(
      sendto(server.fd.get(), "answer", 6, 0, reinterpret_cast<sockaddr*>(&peer), peer_length), 6);
  Result<std::optional<std::string>> answer = client->ReceiveDatagram(In(5s));
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ(**answer, "answer");
  Result<std::optional<std::string>> nothing = client->ReceiveDatagram(In(50ms));
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
}

TEST(UdpTest, AClosedPortIsRefused) {
  std::uint16_t port = 0;
  {
    Bound closed = BindLoopback(SOCK_DGRAM, /*listening=*/false);
    port = closed.port;
  }
  Result<Socket> client = ConnectUdp(Loopback(port));
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->SendDatagram("query").ok());
  Result<std::optional<std::string>> answer = client->ReceiveDatagram(In(5s));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, std::errc::connection_refused);
}

}  // namespace
}  // namespace osfleet::platform
