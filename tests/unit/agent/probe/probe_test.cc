// The probe against real sockets on 127.0.0.1 (port 0) and the in-process FakeSqlServer,
// plus the SQL Server Browser wire format.
#include "agent/probe/probe.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "agent/probe/socket_util.h"
#include "agent/probe/sql_browser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_sqlserver.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent {
namespace {

using fakes::FakeSqlServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---- SQL Server Browser wire format ----------------------------------------------------

std::string SvrResp(const std::string& data) {
  std::string out = {0x05, static_cast<char>(data.size() & 0xFF),
                     static_cast<char>(data.size() >> 8)};
  return out + data;
}

const char kTwoInstances[] =
    "ServerName;DB01;InstanceName;MSSQLSERVER;IsClustered;No;Version;15.0.2000.5;tcp;1433;"
    "np;\\\\DB01\\pipe\\sql\\query;;"
    "ServerName;DB01;InstanceName;OUTSYS;IsClustered;No;Version;15.0.2000.5;tcp;49712;;";

TEST(SqlBrowserTest, InstanceQueryIsOpcodeNameNul) {
  EXPECT_EQ(sqlbrowser::BuildInstanceQuery("OUTSYS"), std::string("\x04OUTSYS\0", 8));
  EXPECT_EQ(sqlbrowser::BuildListQuery(), "\x03");
}

TEST(SqlBrowserTest, FindsTheTcpPortOfAnInstanceCaseInsensitively) {
  absl::StatusOr<std::vector<sqlbrowser::BrowserInstance>> instances =
      sqlbrowser::ParseBrowserResponse(SvrResp(kTwoInstances));
  ASSERT_OK(instances);
  ASSERT_EQ(instances->size(), 2u);
  EXPECT_EQ((*instances)[1].server_name, "DB01");
  EXPECT_EQ((*instances)[1].version, "15.0.2000.5");
  EXPECT_EQ(*sqlbrowser::FindTcpPort(*instances, "outsys", "db:1434"), 49712);
  EXPECT_EQ(*sqlbrowser::FindTcpPort(*instances, "MSSQLServer", "db:1434"), 1433);
}

TEST(SqlBrowserTest, MissingInstanceIsNotFoundAndListsKnownOnes) {
  auto instances = sqlbrowser::ParseBrowserResponse(SvrResp(kTwoInstances));
  ASSERT_OK(instances);
  absl::StatusOr<uint16_t> port = sqlbrowser::FindTcpPort(*instances, "OUTSYS2", "10.0.0.5:1434");
  EXPECT_TRUE(absl::IsNotFound(port.status()));
  EXPECT_EQ(port.status().message(),
            "instance OUTSYS2 not known to the SQL Server Browser on 10.0.0.5:1434 (it knows "
            "MSSQLSERVER, OUTSYS)");
}

TEST(SqlBrowserTest, InstanceWithoutTcpIsReported) {
  auto instances = sqlbrowser::ParseBrowserResponse(
      SvrResp("ServerName;DB01;InstanceName;OUTSYS;IsClustered;No;Version;15.0.2000.5;"
              "np;\\\\DB01\\pipe\\MSSQL$OUTSYS\\sql\\query;;"));
  ASSERT_OK(instances);
  absl::StatusOr<uint16_t> port = sqlbrowser::FindTcpPort(*instances, "OUTSYS", "db:1434");
  EXPECT_TRUE(absl::IsFailedPrecondition(port.status()));
  EXPECT_THAT(std::string(port.status().message()),
              HasSubstr("instance OUTSYS has no TCP port (TCP disabled?)"));
}

TEST(SqlBrowserTest, RejectsMalformedResponses) {
  EXPECT_FALSE(sqlbrowser::ParseBrowserResponse("").ok());
  EXPECT_FALSE(sqlbrowser::ParseBrowserResponse("\x05\x01").ok());
  EXPECT_FALSE(sqlbrowser::ParseBrowserResponse("\x06" + SvrResp(kTwoInstances).substr(1)).ok());
  std::string wrong_size = SvrResp(kTwoInstances);
  wrong_size[1] = static_cast<char>(wrong_size[1] + 1);
  EXPECT_THAT(std::string(sqlbrowser::ParseBrowserResponse(wrong_size).status().message()),
              HasSubstr("bytes of data but carries"));
  EXPECT_FALSE(sqlbrowser::ParseBrowserResponse(SvrResp("ServerName;DB01;InstanceName;;")).ok());
  EXPECT_FALSE(sqlbrowser::ParseBrowserResponse(SvrResp("InstanceName;A;tcp;99999;;")).ok());
  EXPECT_FALSE(sqlbrowser::ParseBrowserResponse(SvrResp("ServerName;DB01;;")).ok());
}

TEST(SqlBrowserTest, BuiltResponseHasLittleEndianSizeAndParsesBack) {
  std::vector<sqlbrowser::BrowserInstance> instances;
  for (int i = 0; i < 5; ++i) {
    instances.push_back(
        {"DB01", "INST" + std::to_string(i), "15.0.2000.5", static_cast<uint16_t>(50000 + i)});
  }
  instances.push_back({"DB01", "NOTCP", "15.0.2000.5", std::nullopt});
  const std::string datagram = sqlbrowser::BuildBrowserResponse(instances);
  ASSERT_GT(datagram.size(), 259u);  // the size needs both bytes
  EXPECT_EQ(static_cast<uint8_t>(datagram[1]) | (static_cast<uint8_t>(datagram[2]) << 8),
            static_cast<int>(datagram.size() - 3));
  auto parsed = sqlbrowser::ParseBrowserResponse(datagram);
  ASSERT_OK(parsed);
  ASSERT_EQ(parsed->size(), 6u);
  EXPECT_EQ((*parsed)[3].tcp_port, 50003);
  EXPECT_FALSE((*parsed)[5].tcp_port.has_value());
}

// ---- Probe against the fake ------------------------------------------------------------

ProbeOptions Fast() {
  ProbeOptions options;
  options.timeout = absl::Milliseconds(200);
  return options;
}

SqlServerAddress Local(uint32_t port, const std::string& instance = "") {
  SqlServerAddress address;
  address.host = "127.0.0.1";
  address.port = port;
  address.instance = instance;
  return address;
}

// A port on 127.0.0.1 that was just bound and closed again: nothing listens there.
uint16_t ClosedPort(int type) {
  UniqueFd fd(socket(AF_INET, type, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

FakeSqlServer::Options FakeOptions(FakeSqlServer::Mode mode, bool browser = false) {
  FakeSqlServer::Options options;
  options.mode = mode;
  options.serve_browser = browser;
  options.instance = "OUTSYS";
  return options;
}

TEST(ProbeSqlServerTest, ReachableServerReportsVersionAndLatency) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kAnswer)));
  const ProbeOutcome outcome = ProbeSqlServer(Local(fake.tcp_port()), ProbeOptions());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kNone);
  EXPECT_EQ(outcome.error, "");
  EXPECT_THAT(outcome.resolved, ElementsAre("127.0.0.1"));
  EXPECT_EQ(outcome.port, fake.tcp_port());
  EXPECT_EQ(outcome.server_version, "15.0.4153.1");
  EXPECT_GT(outcome.connect_latency, absl::ZeroDuration());
  EXPECT_EQ(fake.prelogins_answered(), 1);
}

TEST(ProbeSqlServerTest, ResolvesLocalhostAndTriesEachAddress) {
  FakeSqlServer fake;
  FakeSqlServer::Options options = FakeOptions(FakeSqlServer::Mode::kAnswer);
  options.version = "16.0.1000.6";
  ASSERT_OK(fake.Start(options));
  SqlServerAddress address = Local(fake.tcp_port());
  address.host = "localhost";  // may resolve to ::1 first, where the fake does not listen
  const ProbeOutcome outcome = ProbeSqlServer(address, ProbeOptions());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_THAT(outcome.resolved, ::testing::Contains("127.0.0.1"));
  EXPECT_EQ(outcome.server_version, "16.0.1000.6");
}

TEST(ProbeSqlServerTest, FakeServesManyConnections) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kAnswer)));
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(ProbeSqlServer(Local(fake.tcp_port()), ProbeOptions()).ok);
  }
  EXPECT_EQ(fake.prelogins_answered(), 5);
  EXPECT_EQ(fake.connections_accepted(), 5);
}

TEST(ProbeSqlServerTest, RefusedConnectionFailsAtTcpConnect) {
  const uint16_t port = ClosedPort(SOCK_STREAM);
  const ProbeOutcome outcome = ProbeSqlServer(Local(port), Fast());
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kTcpConnect);
  EXPECT_EQ(outcome.error, "TCP connect to 127.0.0.1:" + std::to_string(port) + " refused");
  EXPECT_EQ(outcome.port, port);
}

TEST(ProbeSqlServerTest, UnresolvableNameFailsAtDns) {
  SqlServerAddress address = Local(1433);
  address.host = "nosuch.invalid";
  const ProbeOutcome outcome = ProbeSqlServer(address, Fast());
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kDns);
  EXPECT_THAT(outcome.error, HasSubstr("DNS: "));
  EXPECT_THAT(outcome.error, HasSubstr("'nosuch.invalid'"));
  EXPECT_TRUE(outcome.resolved.empty());
}

TEST(ProbeSqlServerTest, EmptyHostFailsAtParse) {
  const ProbeOutcome outcome = ProbeSqlServer(SqlServerAddress(), Fast());
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kParse);
  EXPECT_FALSE(outcome.error.empty());
}

TEST(ProbeSqlServerTest, SilentServerTimesOutAtPrelogin) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kSilent)));
  const auto start = std::chrono::steady_clock::now();
  const ProbeOutcome outcome = ProbeSqlServer(Local(fake.tcp_port()), Fast());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kTdsPrelogin);
  EXPECT_THAT(outcome.error, HasSubstr("did not answer within 200ms"));
  EXPECT_GT(outcome.connect_latency, absl::ZeroDuration());  // the connect itself worked
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));
}

TEST(ProbeSqlServerTest, GarbageAnswerFailsAtPrelogin) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kGarbage)));
  const ProbeOutcome outcome = ProbeSqlServer(Local(fake.tcp_port()), ProbeOptions());
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kTdsPrelogin);
  EXPECT_EQ(outcome.error,
            "TDS PRELOGIN: the server at 127.0.0.1:" + std::to_string(fake.tcp_port()) +
                " answered with something that is not TDS (first byte 0x48)");
}

TEST(ProbeSqlServerTest, NamedInstanceIsFoundThroughTheBrowser) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kAnswer, /*browser=*/true)));
  ProbeOptions options;
  options.sql_browser_port = fake.browser_port();
  const ProbeOutcome outcome = ProbeSqlServer(Local(0, "outsys"), options);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.port, fake.tcp_port());
  EXPECT_EQ(outcome.server_version, "15.0.4153.1");
}

TEST(ProbeSqlServerTest, UnknownInstanceFailsAtBrowserWithoutWaitingOut) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kAnswer, /*browser=*/true)));
  ProbeOptions options;  // 3s: the Browser's list answers long before that
  options.sql_browser_port = fake.browser_port();
  const auto start = std::chrono::steady_clock::now();
  const ProbeOutcome outcome = ProbeSqlServer(Local(0, "OTHER"), options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kSqlBrowser);
  EXPECT_THAT(outcome.error, HasSubstr("instance OTHER not known to the SQL Server Browser on "
                                       "127.0.0.1:"));
  EXPECT_THAT(outcome.error, HasSubstr("(it knows OUTSYS)"));
  EXPECT_EQ(fake.connections_accepted(), 0);
}

TEST(ProbeSqlServerTest, SilentBrowserTimesOut) {
  // A bound UDP socket that never answers: the datagrams vanish, as behind a firewall.
  UniqueFd silent(socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(silent.get(), reinterpret_cast<sockaddr*>(&address), &length);
  ProbeOptions options = Fast();
  options.sql_browser_port = ntohs(address.sin_port);
  const ProbeOutcome outcome = ProbeSqlServer(Local(0, "OUTSYS"), options);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kSqlBrowser);
  EXPECT_EQ(outcome.error,
            "SQL Server Browser on 127.0.0.1:" + std::to_string(options.sql_browser_port) +
                " did not answer within 200ms (UDP; is the SQL Server Browser "
                "service running and UDP " +
                std::to_string(options.sql_browser_port) + " open?)");
}

TEST(ProbeSqlServerTest, NoBrowserListeningFailsAtBrowser) {
  ProbeOptions options = Fast();
  options.sql_browser_port = ClosedPort(SOCK_DGRAM);
  const ProbeOutcome outcome = ProbeSqlServer(Local(0, "OUTSYS"), options);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kSqlBrowser);
  EXPECT_THAT(outcome.error, HasSubstr("SQL Server Browser on 127.0.0.1:" +
                                       std::to_string(options.sql_browser_port)));
}

TEST(ProbeSqlServerTest, GivenPortSkipsTheBrowser) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeOptions(FakeSqlServer::Mode::kAnswer)));
  ProbeOptions options = Fast();
  options.sql_browser_port = ClosedPort(SOCK_DGRAM);
  const ProbeOutcome outcome = ProbeSqlServer(Local(fake.tcp_port(), "OUTSYS"), options);
  EXPECT_TRUE(outcome.ok) << outcome.error;
}

TEST(ProbeSqlServerTest, DefaultInstanceWithoutPortUses1433) {
  const ProbeOutcome outcome = ProbeSqlServer(Local(0), Fast());
  EXPECT_EQ(outcome.port, 1433u);
}

// ---- Oracle ----------------------------------------------------------------------------

TEST(ProbeOracleTest, ListeningPortIsOk) {
  FakeSqlServer listener;  // any TCP listener will do: Oracle gets no handshake
  ASSERT_OK(listener.Start(FakeOptions(FakeSqlServer::Mode::kSilent)));
  OracleAddress address{"127.0.0.1", listener.tcp_port(), "OSPROD"};
  const ProbeOutcome outcome = ProbeOracle(address, Fast());
  EXPECT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.port, listener.tcp_port());
  EXPECT_GT(outcome.connect_latency, absl::ZeroDuration());
  EXPECT_EQ(outcome.server_version, "");
}

TEST(ProbeOracleTest, ClosedPortFailsAtTcpConnect) {
  OracleAddress address{"127.0.0.1", ClosedPort(SOCK_STREAM), "OSPROD"};
  const ProbeOutcome outcome = ProbeOracle(address, Fast());
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kTcpConnect);
  EXPECT_THAT(outcome.error, HasSubstr("refused"));
}

TEST(ProbeOracleTest, PortZeroMeans1521) {
  OracleAddress address{"nosuch.invalid", 0, "OSPROD"};
  const ProbeOutcome outcome = ProbeOracle(address, Fast());
  EXPECT_EQ(outcome.port, 1521u);
  EXPECT_EQ(outcome.failed_step, ProbeStepId::kDns);
}

}  // namespace
}  // namespace osfleet::agent
