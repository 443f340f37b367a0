// ProbeOracle's identity evidence against the in-process fake listener on 127.0.0.1:0: a
// known service is accepted, an unknown one refused with ERR=12514 (the probe stays ok),
// an unknown SID with 12505; REDIRECT, RESEND, a silent listener (timeout and cancel) and
// answers that are not TNS.
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "agent/probe/probe.h"
#include "agent/probe/socket_util.h"
#include "agent/probe/tns_connect.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_sqlserver.h"
#include "tests/fakes/fake_tns_listener.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent {
namespace {

using fakes::FakeSqlServer;
using fakes::FakeTnsListener;
using ::testing::HasSubstr;
using ::testing::StartsWith;

ProbeOptions Identity(absl::Duration timeout = absl::Seconds(5)) {
  ProbeOptions options;
  options.timeout = timeout;
  options.identity = true;
  return options;
}

FakeTnsListener::Options Listener(FakeTnsListener::Mode mode = FakeTnsListener::Mode::kAccept) {
  FakeTnsListener::Options options;
  options.mode = mode;
  options.services = {"OSSVC"};
  options.sids = {"ORCL"};
  return options;
}

OracleAddress At(uint16_t port, const std::string& service = "OSSVC") {
  return OracleAddress{"127.0.0.1", port, service};
}

std::string Endpoint(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// The exchange on a connection of our own, for what the probe does not send (a SID).
absl::StatusOr<TnsEvidence> Exchange(uint16_t port, const tns::ConnectData& data) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  platform::Result<platform::Socket> socket =
      platform::ConnectTcp(platform::ParseNumericAddress("127.0.0.1")->WithPort(port), deadline);
  if (!socket.ok()) return absl::UnavailableError(socket.error().Reason());
  return ExchangeTnsConnect(*socket, Endpoint(port), data, absl::Seconds(5), CancelToken());
}

tns::ConnectData BySid(uint16_t port, const std::string& sid) {
  tns::ConnectData data;
  data.sid = sid;
  data.client_host = "TEST";
  data.address_host = "127.0.0.1";
  data.address_port = port;
  return data;
}

// Polls a condition another thread brings about (never a fixed sleep).
bool WaitFor(const std::function<bool()>& ready) {
  const absl::Time end = absl::Now() + absl::Seconds(10);
  while (!ready()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// A TCP server on 127.0.0.1:0 that takes one connection, reads what comes and hangs up.
class HangUpServer {
 public:
  HangUpServer() {
    listener_ = UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(listen(listener_.get(), 1), 0);
    getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      UniqueFd client(accept(listener_.get(), nullptr, nullptr));
      char buffer[512];
      (void)recv(client.get(), buffer, sizeof(buffer), 0);
    });
  }
  ~HangUpServer() { thread_.join(); }
  uint16_t port() const { return port_; }

 private:
  UniqueFd listener_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST(ProbeOracleIdentityTest, KnownServiceIsAcceptedAndNothingFollows) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener()));
  const ProbeOutcome outcome = ProbeOracle(At(fake.port()), Identity());
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kAccept);
  EXPECT_EQ(outcome.fingerprint.tns_error, 0);
  EXPECT_EQ(outcome.fingerprint.tns_note,
            "ACCEPT (the listener serves service OSSVC; TNS version 314)");
  EXPECT_EQ(fake.connects_received(), 1);
  EXPECT_THAT(fake.last_descriptor(),
              HasSubstr("(CONNECT_DATA=(SERVICE_NAME=OSSVC)(CID=(PROGRAM=osagent)(HOST="));
  EXPECT_THAT(fake.last_descriptor(), HasSubstr("(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=" +
                                                std::to_string(fake.port()) + ")))"));
  // The fake reads up to our close: any byte we sent after ACCEPT came before it.
  ASSERT_TRUE(WaitFor([&fake] { return fake.client_closes() == 1; }));
  EXPECT_EQ(fake.bytes_after_accept(), 0);
}

TEST(ProbeOracleIdentityTest, ServiceNamesMatchInAnyCase) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener()));
  EXPECT_EQ(ProbeOracle(At(fake.port(), "ossvc"), Identity()).fingerprint.tns, TnsAnswer::kAccept);
}

TEST(ProbeOracleIdentityTest, WithoutIdentityNoConnectIsSent) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener()));
  ProbeOptions options = Identity();
  options.identity = false;
  const ProbeOutcome outcome = ProbeOracle(At(fake.port(), "NOSUCH"), options);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kNone);
  EXPECT_EQ(outcome.fingerprint.tns_note, "");
  // The next probe's CONNECT is the first the fake reads on any connection.
  ASSERT_EQ(ProbeOracle(At(fake.port()), Identity()).fingerprint.tns, TnsAnswer::kAccept);
  EXPECT_EQ(fake.connects_received(), 1);
  EXPECT_EQ(fake.refused(), 0);
}

TEST(ProbeOracleIdentityTest, UnknownServiceIsRefusedWith12514AndTheProbeStaysOk) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener()));
  const ProbeOutcome outcome = ProbeOracle(At(fake.port(), "OTHERSVC"), Identity());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kNone);
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kRefuse);
  EXPECT_EQ(outcome.fingerprint.tns_error, 12514);
  EXPECT_EQ(outcome.fingerprint.tns_note,
            "REFUSE (ERR=12514: the listener does not know service OTHERSVC)");
  EXPECT_EQ(fake.refused(), 1);
}

TEST(ProbeOracleIdentityTest, UnknownSidIsRefusedWith12505) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener()));
  absl::StatusOr<TnsEvidence> unknown = Exchange(fake.port(), BySid(fake.port(), "orcl"));
  ASSERT_OK(unknown);  // SIDs match exactly
  EXPECT_EQ(unknown->answer, TnsAnswer::kRefuse);
  EXPECT_EQ(unknown->error, 12505);
  EXPECT_EQ(unknown->note, "REFUSE (ERR=12505: the listener does not know SID orcl)");
  absl::StatusOr<TnsEvidence> known = Exchange(fake.port(), BySid(fake.port(), "ORCL"));
  ASSERT_OK(known);
  EXPECT_EQ(known->answer, TnsAnswer::kAccept);
  EXPECT_THAT(fake.last_descriptor(), HasSubstr("(CONNECT_DATA=(SID=ORCL)(CID="));
}

TEST(ProbeOracleIdentityTest, LongDescriptorFollowsTheConnectAndIsAccepted) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener()));
  tns::ConnectData data = BySid(fake.port(), "");
  data.service_name = "OSSVC";
  data.client_host = std::string(200, 'h');
  absl::StatusOr<TnsEvidence> evidence = Exchange(fake.port(), data);
  ASSERT_OK(evidence);
  EXPECT_EQ(evidence->answer, TnsAnswer::kAccept);
  EXPECT_EQ(fake.last_descriptor(), *tns::BuildConnectDescriptor(data));
  EXPECT_GT(fake.last_descriptor().size(), tns::kMaxInlineConnectData);
}

TEST(ProbeOracleIdentityTest, RedirectMeansTheServiceIsThere) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener(FakeTnsListener::Mode::kRedirect)));
  const ProbeOutcome outcome = ProbeOracle(At(fake.port()), Identity());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kRedirect);
  EXPECT_EQ(outcome.fingerprint.tns_note,
            "REDIRECT (the listener knows service OSSVC and sends clients to "
            "(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=" +
                std::to_string(fake.port()) + ")))");
  // An unknown service is refused in this mode too.
  EXPECT_EQ(ProbeOracle(At(fake.port(), "NOSUCH"), Identity()).fingerprint.tns_error, 12514);
}

TEST(ProbeOracleIdentityTest, ResendGetsTheConnectOnceMoreThenItsAnswer) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener(FakeTnsListener::Mode::kResend)));
  const ProbeOutcome outcome = ProbeOracle(At(fake.port()), Identity());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kAccept);
  EXPECT_EQ(outcome.fingerprint.tns_note,
            "ACCEPT after a RESEND (the listener serves service OSSVC; TNS version 314)");
  EXPECT_EQ(fake.connects_received(), 2);
  const ProbeOutcome refused = ProbeOracle(At(fake.port(), "NOSUCH"), Identity());
  EXPECT_EQ(refused.fingerprint.tns_note,
            "REFUSE after a RESEND (ERR=12514: the listener does not know service NOSUCH)");
}

TEST(ProbeOracleIdentityTest, SilentListenerIsANoteAfterTheStepTimeout) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener(FakeTnsListener::Mode::kSilent)));
  const auto start = std::chrono::steady_clock::now();
  const ProbeOutcome outcome = ProbeOracle(At(fake.port()), Identity(absl::Milliseconds(200)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(outcome.ok) << outcome.error;  // TCP answered
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kNone);
  EXPECT_EQ(outcome.fingerprint.tns_note,
            "TNS CONNECT: the listener at " + Endpoint(fake.port()) +
                " accepted the connection but did not answer within 200ms (not an Oracle "
                "listener, or one too busy)");
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(ProbeOracleIdentityTest, CancelStopsTheWaitForASilentListener) {
  FakeTnsListener fake;
  ASSERT_OK(fake.Start(Listener(FakeTnsListener::Mode::kSilent)));
  ProbeOptions options = Identity(absl::Seconds(30));
  // The client gives up once the listener has the connection: the probe is then waiting.
  options.cancel =
      CancelToken([&fake] { return fake.connections_accepted() > 0; }, absl::InfiniteFuture());
  const auto start = std::chrono::steady_clock::now();
  const ProbeOutcome outcome = ProbeOracle(At(fake.port()), options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kNone);
  EXPECT_EQ(outcome.fingerprint.tns_note, "stopped: the client cancelled the call");
}

TEST(ProbeOracleIdentityTest, AnHttpAnswerIsNotTns) {
  FakeSqlServer http;
  FakeSqlServer::Options options;
  options.mode = FakeSqlServer::Mode::kGarbage;
  ASSERT_OK(http.Start(options));
  const ProbeOutcome outcome = ProbeOracle(At(http.tcp_port()), Identity());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kNone);
  EXPECT_EQ(outcome.fingerprint.tns_note,
            "TNS CONNECT: the listener at " + Endpoint(http.tcp_port()) +
                " answered with something that is not TNS (packet type 0x2f at byte 5; TNS "
                "types are 1 to 19)");
}

TEST(ProbeOracleIdentityTest, AServerThatHangsUpIsANote) {
  HangUpServer server;
  const ProbeOutcome outcome = ProbeOracle(At(server.port()), Identity());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.fingerprint.tns, TnsAnswer::kNone);
  EXPECT_THAT(outcome.fingerprint.tns_note,
              StartsWith("TNS CONNECT: the listener at " + Endpoint(server.port())));
  EXPECT_THAT(outcome.fingerprint.tns_note,
              HasSubstr("closed the connection without answering (not an Oracle listener?)"));
}

}  // namespace
}  // namespace osfleet::agent
