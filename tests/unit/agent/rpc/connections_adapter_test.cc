// Endpoints.Connections as a client sees it, served in process (in_process_agent.h): its
// fields are checked and named, the address is read for the provider of its database's
// section, a real connection of this process is found with this process's pid, a viewer
// may call it and no call leaves an audit line.
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/agent/rpc/in_process_agent.h"

namespace osfleet::agent::in_process {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A listener on 127.0.0.1:0 with one connection to it from this process.
class LoopbackConnection {
 public:
  LoopbackConnection() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(a);
    EXPECT_EQ(bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(listener_.get(), 1), 0);
    EXPECT_EQ(getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &size), 0);
    EXPECT_EQ(connect(client_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    port_ = ntohs(a.sin_port);
  }
  unsigned port() const { return port_; }

 private:
  platform::UniqueFd listener_{socket(AF_INET, SOCK_STREAM, 0)};
  platform::UniqueFd client_{socket(AF_INET, SOCK_STREAM, 0)};
  unsigned port_ = 0;
};

class ConnectionsAdapterTest : public ::testing::Test {
 protected:
  explicit ConnectionsAdapterTest(InProcessOptions options = {}) : agent_(options) {}

  grpc::Status Connections(const std::string& address, v1::ConnectionsResponse* response,
                           v1::Database database = v1::DATABASE_UNSPECIFIED) {
    v1::ConnectionsRequest request;
    request.set_address(address);
    request.set_database(database);
    return stub_->Connections(CallContext().get(), request, response);
  }

  InProcessAgent agent_;
  std::unique_ptr<v1::Endpoints::Stub> stub_ = agent_.Endpoints();
};

TEST_F(ConnectionsAdapterTest, FindsThisProcesssConnectionWithItsPid) {
  LoopbackConnection held;
  v1::ConnectionsResponse response;
  const std::string address = "127.0.0.1," + std::to_string(held.port());
  ASSERT_THAT(Connections(address, &response, v1::DATABASE_SESSION),
              StatusIs(grpc::StatusCode::OK));
  const std::string endpoint = "127.0.0.1:" + std::to_string(held.port());
  EXPECT_EQ(response.address(), address);
  EXPECT_THAT(response.endpoints(), ElementsAre(endpoint));
  ASSERT_EQ(response.connections_size(), 1);
  EXPECT_EQ(response.connections(0).pid(), static_cast<uint32_t>(getpid()));
  EXPECT_FALSE(response.connections(0).process().empty());
  EXPECT_EQ(response.connections(0).remote(), endpoint);
  EXPECT_THAT(response.connections(0).local(), HasSubstr("127.0.0.1:"));
  EXPECT_THAT(agent_.AuditLines(), IsEmpty());
}

TEST_F(ConnectionsAdapterTest, NoConnectionIsAnEmptyAnswer) {
  v1::ConnectionsResponse response;
  ASSERT_THAT(Connections("192.0.2.1,1433", &response), StatusIs(grpc::StatusCode::OK));
  EXPECT_THAT(response.endpoints(), ElementsAre("192.0.2.1:1433"));
  EXPECT_EQ(response.connections_size(), 0);
}

TEST_F(ConnectionsAdapterTest, BadFieldsAreInvalidAndNamed) {
  v1::ConnectionsResponse response;
  EXPECT_THAT(Connections("", &response),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("address: required")));
  EXPECT_THAT(Connections(std::string(600, 'a'), &response),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("address: 600 bytes")));
  // The fixture's sections are SQL Server: an Oracle address is not one.
  EXPECT_THAT(Connections("ora01:1521/OSSVC", &response),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("address: 'ora01:1521/OSSVC' is not a SQL Server address")));
  EXPECT_THAT(Connections("db01", &response, static_cast<v1::Database>(9)),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("database: must be PLATFORM, LOGGING or SESSION")));
  EXPECT_EQ(response.connections_size(), 0);
}

TEST_F(ConnectionsAdapterTest, AHostThatDoesNotResolveIsUnavailableWithTheReason) {
  v1::ConnectionsResponse response;
  EXPECT_THAT(Connections("nosuch.invalid,1433", &response),
              StatusIs(grpc::StatusCode::UNAVAILABLE, HasSubstr("DNS: ")));
}

class ViewerConnectionsTest : public ConnectionsAdapterTest {
 protected:
  ViewerConnectionsTest() : ConnectionsAdapterTest({Transport::kTls}) {}
};

TEST_F(ViewerConnectionsTest, AViewerMayAskAndLeavesNoAuditLine) {
  LoopbackConnection held;
  v1::ConnectionsResponse response;
  ASSERT_THAT(Connections("127.0.0.1," + std::to_string(held.port()), &response),
              StatusIs(grpc::StatusCode::OK));
  EXPECT_EQ(response.connections_size(), 1);
  EXPECT_THAT(agent_.AuditLines(), IsEmpty());
}

}  // namespace
}  // namespace osfleet::agent::in_process
