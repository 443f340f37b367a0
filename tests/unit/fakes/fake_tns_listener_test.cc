// The fake Oracle listener is as strict as a real one: bytes that are not TNS, a first
// packet that is not a CONNECT, a CONNECT whose lengths lie, or a long CONNECT not followed
// by its data close the connection without an answer; a REFUSE closes it too. It serves
// one port on several IPs.
#include "tests/fakes/fake_tns_listener.h"

#include <chrono>
#include <string>

#include "agent/probe/tns_packet.h"
#include "common/platform/sockets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::fakes {
namespace {

namespace tns = agent::tns;

platform::Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(10); }

platform::Socket Connect(uint16_t port, const std::string& ip = "127.0.0.1") {
  platform::Result<platform::Socket> socket =
      platform::ConnectTcp(platform::ParseNumericAddress(ip)->WithPort(port), Soon());
  EXPECT_TRUE(socket.ok()) << socket.error().Reason();
  return socket.ok() ? *std::move(socket) : platform::Socket();
}

// Everything the fake sends until it closes the connection.
std::string ReadToClose(platform::Socket& socket) {
  std::string out;
  char buffer[1024];
  for (;;) {
    platform::Result<size_t> n = socket.Receive(buffer, sizeof(buffer), Soon());
    if (!n.ok()) {
      ADD_FAILURE() << "the fake neither answered nor closed: " << n.error().Reason();
      return out;
    }
    if (*n == 0) return out;
    out.append(buffer, *n);
  }
}

std::string ConnectPacket(const std::string& service, uint16_t port) {
  tns::ConnectData data;
  data.service_name = service;
  data.client_host = "TEST";
  data.address_host = "127.0.0.1";
  data.address_port = port;
  return *tns::BuildConnect(*tns::BuildConnectDescriptor(data));
}

FakeTnsListener::Options Known() {
  FakeTnsListener::Options options;
  options.services = {"OSSVC"};
  return options;
}

TEST(FakeTnsListenerTest, NonTnsBytesCloseTheConnectionWithoutAnAnswer) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Known()));
  platform::Socket socket = Connect(fake.port());
  ASSERT_TRUE(socket.SendAll("GET / HTTP/1.1\r\nHost: db\r\n\r\n", Soon()).ok());
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(fake.connects_received(), 0);
}

TEST(FakeTnsListenerTest, AFirstPacketThatIsNotAConnectClosesTheConnection) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Known()));
  platform::Socket socket = Connect(fake.port());
  ASSERT_TRUE(
      socket.SendAll(tns::BuildPacket(tns::kPacketData, std::string("\x00\x00hello", 7)), Soon())
          .ok());
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(fake.connects_received(), 0);
}

TEST(FakeTnsListenerTest, AConnectWhoseDataRunsPastThePacketClosesTheConnection) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Known()));
  std::string packet = ConnectPacket("OSSVC", fake.port());
  packet[24] = 0x01;  // connect data length + 256: past the packet's end
  platform::Socket socket = Connect(fake.port());
  ASSERT_TRUE(socket.SendAll(packet, Soon()).ok());
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(fake.accepted() + fake.refused(), 0);
}

TEST(FakeTnsListenerTest, ALongConnectWithoutItsDataPacketClosesTheConnection) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Known()));
  tns::ConnectData data;
  data.service_name = "OSSVC";
  data.client_host = std::string(200, 'h');
  data.address_host = "127.0.0.1";
  const std::string both = *tns::BuildConnect(*tns::BuildConnectDescriptor(data));
  std::string wrong = both;
  wrong.pop_back();  // the DATA packet one byte short of the declared connect data...
  wrong[tns::kConnectDataOffset + 1] = static_cast<char>(wrong[tns::kConnectDataOffset + 1] - 1);
  platform::Socket socket = Connect(fake.port());
  ASSERT_TRUE(socket.SendAll(wrong, Soon()).ok());  // ...with a header that says so
  EXPECT_EQ(ReadToClose(socket), "");
  EXPECT_EQ(fake.connects_received(), 1);
  EXPECT_EQ(fake.accepted() + fake.refused(), 0);
}

TEST(FakeTnsListenerTest, ARefuseCarriesTheListenersErrorTextThenCloses) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Known()));
  platform::Socket socket = Connect(fake.port());
  ASSERT_TRUE(socket.SendAll(ConnectPacket("NOSUCH", fake.port()), Soon()).ok());
  const std::string answer = ReadToClose(socket);  // closed right after the REFUSE
  absl::StatusOr<tns::Answer> parsed = tns::ParseAnswer(answer);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->kind, agent::TnsAnswer::kRefuse);
  EXPECT_EQ(parsed->data,
            "(DESCRIPTION=(TMP=)(VSNNUM=318767104)(ERR=12514)(ERROR_STACK=(ERROR=(CODE=12514)"
            "(EMFI=4))))");
  EXPECT_EQ(fake.refused(), 1);
}

TEST(FakeTnsListenerTest, NeitherServiceNorSidIsRefusedWith12504) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Known()));
  platform::Socket socket = Connect(fake.port());
  ASSERT_TRUE(
      socket.SendAll(*tns::BuildConnect("(DESCRIPTION=(CONNECT_DATA=(CID=)))"), Soon()).ok());
  absl::StatusOr<tns::Answer> parsed = tns::ParseAnswer(ReadToClose(socket));
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->error, 12504);
}

TEST(FakeTnsListenerTest, OnePortOnEachListenAddress) {
  FakeTnsListener::Options options = Known();
  options.listen = {"127.0.0.1", "127.0.0.2"};
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(options));
  for (const std::string ip : {"127.0.0.1", "127.0.0.2"}) {
    platform::Socket socket = Connect(fake.port(), ip);
    ASSERT_TRUE(socket.SendAll(ConnectPacket("OSSVC", fake.port()), Soon()).ok());
    char buffer[64];
    platform::Result<size_t> n = socket.Receive(buffer, sizeof(buffer), Soon());
    ASSERT_TRUE(n.ok() && *n >= tns::kHeaderSize) << ip;
    EXPECT_EQ(buffer[4], tns::kPacketAccept) << ip;
  }
  EXPECT_EQ(fake.accepted(), 2);
  EXPECT_EQ(fake.connects_received(), 2);
}

TEST(FakeTnsListenerTest, AnAddressThatIsNotAnIpIsAnError) {
  FakeTnsListener::Options options = Known();
  options.listen = {"db.example"};
  FakeTnsListener fake;
  EXPECT_THAT(fake.Start(options),
              osfleet::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                         "fake listener: 'db.example' is not an IP"));
}

}  // namespace
}  // namespace osfleet::fakes
