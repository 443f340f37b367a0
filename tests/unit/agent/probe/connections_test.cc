// FindConnections: the address read for its provider, resolved, its port (given, from the
// SQL Server Browser, or the default), and the connection table filtered to it — against
// tables the test writes, and against the real table with a real connection to the
// in-process FakeSqlServer.
#include "agent/probe/connections.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_sqlserver.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent {
namespace {

using fakes::FakeSqlServer;
using ::osfleet::testing::IsOk;
using ::osfleet::testing::StatusIs;
using platform::TcpConnectionInfo;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TcpConnectionInfo Row(long pid, std::string process, std::string local_ip, unsigned local_port,
                      std::string remote_ip, unsigned remote_port) {
  return {std::move(local_ip), local_port, std::move(remote_ip),
          remote_port,         pid,        std::move(process)};
}

ConnectionLister Table(std::vector<TcpConnectionInfo> rows) {
  return [rows]() -> platform::Result<std::vector<TcpConnectionInfo>> { return rows; };
}

// A farm's server: two IIS workers and a Scheduler on 10.0.0.5:1433, other databases and
// ports besides.
ConnectionLister FarmTable() {
  return Table({
      Row(4242, "w3wp.exe", "10.0.0.21", 51234, "10.0.0.5", 1433),
      Row(900, "Scheduler.exe", "10.0.0.21", 50001, "10.0.0.5", 1433),
      Row(4242, "w3wp.exe", "10.0.0.21", 51200, "10.0.0.5", 1433),
      Row(77, "w3wp.exe", "10.0.0.21", 52000, "10.0.0.5", 1434),  // another port
      Row(78, "w3wp.exe", "10.0.0.21", 52001, "10.0.0.6", 1433),  // another host
      Row(0, "", "10.0.0.21", 52002, "10.0.0.5", 1433),           // owner not known
  });
}

ProbeOptions Fast() {
  ProbeOptions options;
  options.timeout = absl::Milliseconds(200);
  return options;
}

TEST(FindConnectionsTest, ListsTheConnectionsToTheAddressSortedByPid) {
  absl::StatusOr<ConnectionsFound> found =
      FindConnections(DbProvider::kSqlServer, "10.0.0.5,1433", Fast(), FarmTable());
  ASSERT_OK(found);
  EXPECT_THAT(found->endpoints, ElementsAre("10.0.0.5:1433"));
  ASSERT_EQ(found->connections.size(), 4u);
  EXPECT_EQ(found->connections[0].pid, 0);
  EXPECT_EQ(found->connections[1].pid, 900);
  EXPECT_EQ(found->connections[1].process, "Scheduler.exe");
  EXPECT_EQ(found->connections[2].pid, 4242);
  EXPECT_EQ(found->connections[2].local, "10.0.0.21:51200");
  EXPECT_EQ(found->connections[3].local, "10.0.0.21:51234");
  EXPECT_EQ(found->connections[3].remote, "10.0.0.5:1433");
}

TEST(FindConnectionsTest, TheDefaultPortsAre1433And1521) {
  absl::StatusOr<ConnectionsFound> sql =
      FindConnections(DbProvider::kSqlServer, "tcp:10.0.0.5", Fast(), FarmTable());
  ASSERT_OK(sql);
  EXPECT_THAT(sql->endpoints, ElementsAre("10.0.0.5:1433"));
  EXPECT_EQ(sql->connections.size(), 4u);
  absl::StatusOr<ConnectionsFound> oracle =
      FindConnections(DbProvider::kOracle, "10.0.0.9/OSSVC", Fast(),
                      Table({Row(12, "java", "10.0.0.21", 40000, "10.0.0.9", 1521),
                             Row(13, "java", "10.0.0.21", 40001, "10.0.0.9", 1433)}));
  ASSERT_OK(oracle);
  EXPECT_THAT(oracle->endpoints, ElementsAre("10.0.0.9:1521"));
  ASSERT_EQ(oracle->connections.size(), 1u);
  EXPECT_EQ(oracle->connections[0].pid, 12);
}

TEST(FindConnectionsTest, IPv6AndIPv4MappedAddressesMatch) {
  ConnectionLister table = Table({Row(5, "w3wp.exe", "2001:db8::21", 50000, "2001:db8::5", 1433),
                                  Row(6, "w3wp.exe", "10.0.0.21", 50001, "10.0.0.5", 1433)});
  absl::StatusOr<ConnectionsFound> v6 =
      FindConnections(DbProvider::kSqlServer, "[2001:db8::5],1433", Fast(), table);
  ASSERT_OK(v6);
  EXPECT_THAT(v6->endpoints, ElementsAre("[2001:db8::5]:1433"));
  ASSERT_EQ(v6->connections.size(), 1u);
  EXPECT_EQ(v6->connections[0].local, "[2001:db8::21]:50000");
  // The platform layer writes a mapped peer as IPv4; a mapped address asked for matches it.
  absl::StatusOr<ConnectionsFound> mapped =
      FindConnections(DbProvider::kSqlServer, "::ffff:10.0.0.5,1433", Fast(), table);
  ASSERT_OK(mapped);
  EXPECT_THAT(mapped->endpoints, ElementsAre("10.0.0.5:1433"));
  ASSERT_EQ(mapped->connections.size(), 1u);
  EXPECT_EQ(mapped->connections[0].pid, 6);
}

TEST(FindConnectionsTest, ABadAddressIsInvalidAndNamed) {
  EXPECT_THAT(FindConnections(DbProvider::kSqlServer, "db01:1433", Fast(), FarmTable()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("address: 'db01:1433' is not a SQL Server address: ")));
  EXPECT_THAT(FindConnections(DbProvider::kOracle, "tns:OSPROD", Fast(), FarmTable()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("address: 'tns:OSPROD' is a TNS alias")));
  EXPECT_THAT(FindConnections(DbProvider::kOracle, "ora01:99999/SVC", Fast(), FarmTable()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("address: 'ora01:99999/SVC' is not an Oracle address: ")));
}

TEST(FindConnectionsTest, AHostThatDoesNotResolveIsUnavailable) {
  EXPECT_THAT(FindConnections(DbProvider::kSqlServer, "nosuch.invalid,1433", Fast(), FarmTable()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("DNS: ")));
}

TEST(FindConnectionsTest, AClientThatGaveUpStopsItBeforeTheTableIsRead) {
  bool read = false;
  ConnectionLister lister = [&read]() -> platform::Result<std::vector<TcpConnectionInfo>> {
    read = true;
    return std::vector<TcpConnectionInfo>();
  };
  ProbeOptions cancelled = Fast();
  cancelled.cancel = CancelToken([] { return true; }, absl::InfiniteFuture());
  EXPECT_THAT(FindConnections(DbProvider::kSqlServer, "10.0.0.5", cancelled, lister),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("stopped: ")));
  ProbeOptions late = Fast();
  late.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_THAT(FindConnections(DbProvider::kSqlServer, "10.0.0.5", late, lister),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("stopped: ")));
  EXPECT_FALSE(read);
}

TEST(FindConnectionsTest, ATableThatCannotBeReadIsTheOsError) {
  ConnectionLister broken = []() -> platform::Result<std::vector<TcpConnectionInfo>> {
    return platform::Error{std::make_error_code(std::errc::permission_denied),
                           "reading /proc/net/tcp"};
  };
  EXPECT_THAT(FindConnections(DbProvider::kSqlServer, "10.0.0.5", Fast(), broken),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("/proc/net/tcp")));
}

TEST(FindConnectionsTest, ASilentBrowserIsUnavailableNotTheCallsDeadline) {
  platform::UniqueFd silent(socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(silent.get(), reinterpret_cast<sockaddr*>(&address), &length);
  ProbeOptions options = Fast();
  options.sql_browser_port = ntohs(address.sin_port);
  EXPECT_THAT(FindConnections(DbProvider::kSqlServer, "127.0.0.1\\OUTSYS", options, FarmTable()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("did not answer within 200ms")));
}

// The real table: this process connects to the fake; the Browser gives the named
// instance's port.
TEST(FindConnectionsTest, FindsThisProcesssConnectionThroughTheBrowsersPort) {
  FakeSqlServer fake;
  FakeSqlServer::Options fake_options;
  fake_options.serve_browser = true;
  fake_options.instance = "OUTSYS";
  ASSERT_OK(fake.Start(fake_options));
  platform::UniqueFd client(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  server.sin_port = htons(fake.tcp_port());
  ASSERT_EQ(connect(client.get(), reinterpret_cast<sockaddr*>(&server), sizeof(server)), 0);
  ProbeOptions options;
  options.sql_browser_port = fake.browser_port();
  absl::StatusOr<ConnectionsFound> found =
      FindConnections(DbProvider::kSqlServer, "127.0.0.1\\OUTSYS", options);
  ASSERT_OK(found);
  const std::string endpoint = "127.0.0.1:" + std::to_string(fake.tcp_port());
  EXPECT_THAT(found->endpoints, ElementsAre(endpoint));
  ASSERT_EQ(found->connections.size(), 1u);
  EXPECT_EQ(found->connections[0].pid, static_cast<long>(getpid()));
  EXPECT_EQ(found->connections[0].remote, endpoint);
  EXPECT_FALSE(found->connections[0].process.empty());
}

}  // namespace
}  // namespace osfleet::agent
