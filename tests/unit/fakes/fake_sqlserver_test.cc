// The fake SQL Server's own strictness, with raw bytes rather than the probe: what it
// refuses must be refused, and its LOGIN7 counter must count (the probe tests assert 0).
#include "tests/fakes/fake_sqlserver.h"

#include <chrono>
#include <memory>
#include <string>

#include "agent/probe/tds_prelogin.h"
#include "agent/probe/tds_tls.h"
#include "common/platform/sockets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::fakes {
namespace {

using ::testing::HasSubstr;
namespace tds = agent::tds;

platform::Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(3); }

platform::Socket Connect(uint16_t port) {
  platform::Result<platform::Socket> socket =
      platform::ConnectTcp(platform::ParseNumericAddress("127.0.0.1")->WithPort(port), Soon());
  EXPECT_TRUE(socket.ok());
  return socket.ok() ? *std::move(socket) : platform::Socket();
}

// Everything the server sends until it closes the connection (or 3s pass: "(open)" added).
std::string ReadToClose(platform::Socket& socket) {
  std::string all;
  char buffer[4096];
  for (;;) {
    platform::Result<size_t> n = socket.Receive(buffer, sizeof(buffer), Soon());
    if (!n.ok()) return all + "(open)";
    if (*n == 0) return all;
    all.append(buffer, *n);
  }
}

std::string Packet(uint8_t type, const std::string& payload) {
  std::string packet = tds::PreloginDataPackets(payload);
  packet[0] = static_cast<char>(type);
  return packet;
}

TEST(FakeSqlServerTest, Login7IsCounted) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start({}));
  platform::Socket socket = Connect(fake.tcp_port());
  ASSERT_TRUE(socket.SendAll(Packet(0x10, std::string(100, 'L')), Soon()).ok());
  EXPECT_EQ(ReadToClose(socket), "");  // a LOGIN7 before PRELOGIN: closed
  EXPECT_EQ(fake.login7_received(), 1);
}

TEST(FakeSqlServerTest, InstoptMismatchIsAnsweredThenClosed) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.instance = "OUTSYS";
  ASSERT_OK(fake.Start(options));
  platform::Socket socket = Connect(fake.tcp_port());
  ASSERT_TRUE(socket.SendAll(tds::BuildPreloginPacket("OTHER"), Soon()).ok());
  const std::string answer = ReadToClose(socket);  // closes: no "(open)"
  absl::StatusOr<tds::PreloginAnswer> parsed = tds::ParsePreloginAnswer(answer);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->instance, tds::kInstanceMismatch);
}

TEST(FakeSqlServerTest, WithoutTlsAHandshakeClosesTheConnection) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.tls = FakeSqlServer::TlsSource::kNone;
  ASSERT_OK(fake.Start(options));
  platform::Socket socket = Connect(fake.tcp_port());
  ASSERT_TRUE(socket.SendAll(tds::BuildPreloginPacket(), Soon()).ok());
  char buffer[4096];
  platform::Result<size_t> n = socket.Receive(buffer, sizeof(buffer), Soon());
  ASSERT_TRUE(n.ok() && *n > 0);
  absl::StatusOr<tds::PreloginAnswer> answer = tds::ParsePreloginAnswer(std::string(buffer, *n));
  ASSERT_OK(answer);
  EXPECT_EQ(answer->encryption, tds::kEncryptNotSupported);
  ASSERT_TRUE(socket.SendAll(tds::PreloginDataPackets("\x16\x03\x01 hello"), Soon()).ok());
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(fake.tls_handshakes(), 0);
}

TEST(FakeSqlServerTest, StrictDropsAPlainPreloginWithoutAWord) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.strict = true;
  ASSERT_OK(fake.Start(options));
  platform::Socket socket = Connect(fake.tcp_port());
  ASSERT_TRUE(socket.SendAll(tds::BuildPreloginPacket(), Soon()).ok());
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(fake.prelogins_answered(), 0);
}

// A TLS client run over the socket directly (TDS 8.0 framing): the handshake's outcome.
absl::Status HandshakeTlsFirst(uint16_t port, const std::string& alpn) {
  agent::tls::ClientSettings settings;
  settings.allow_tls13 = true;
  settings.alpn = alpn;
  absl::StatusOr<std::unique_ptr<agent::tls::MemoryTls>> tls =
      agent::tls::MemoryTls::Client(settings);
  if (!tls.ok()) return tls.status();
  platform::Socket socket = Connect(port);
  for (int round = 0; round < 8; ++round) {
    absl::StatusOr<bool> done = (*tls)->Handshake();
    if (!done.ok()) return done.status();
    if (!socket.SendAll((*tls)->TakeOutgoing(), Soon()).ok()) return absl::UnknownError("send");
    if (*done) return absl::OkStatus();
    char buffer[16384];
    platform::Result<size_t> n = socket.Receive(buffer, sizeof(buffer), Soon());
    if (!n.ok() || *n == 0) return absl::UnavailableError("closed");
    (*tls)->Feed(absl::string_view(buffer, *n));
  }
  return absl::DeadlineExceededError("no end");
}

TEST(FakeSqlServerTest, StrictRefusesAClientHelloWithoutTds8Alpn) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.strict = true;
  ASSERT_OK(fake.Start(options));
  EXPECT_THAT(HandshakeTlsFirst(fake.tcp_port(), "").message(),
              HasSubstr("no application protocol"));
  EXPECT_THAT(HandshakeTlsFirst(fake.tcp_port(), "h2").message(),
              HasSubstr("no application protocol"));
  // (The server counts its handshake once it reads our Finished, after ours completes.)
  EXPECT_OK(HandshakeTlsFirst(fake.tcp_port(), "tds/8.0"));
}

TEST(FakeSqlServerTest, SecondListenerSharesThePort) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.listen = {"127.0.0.1", "127.0.0.2"};
  ASSERT_OK(fake.Start(options));
  FakeSqlServer other;
  options.listen = {"127.0.0.2"};
  options.port = fake.tcp_port();
  EXPECT_THAT(other.Start(options).message(), HasSubstr("bind 127.0.0.2:"));
  options.listen = {"localhost"};
  options.port = 0;
  EXPECT_THAT(FakeSqlServer().Start(options).message(), HasSubstr("is not an IPv4 address"));
}

}  // namespace
}  // namespace osfleet::fakes
