// Every duration and size a client can send is bounded, and a request outside the bounds
// is refused with INVALID_ARGUMENT naming the field before the agent does anything: no
// worker held for `min_healthy: 100000h`, no malformed google.protobuf.Duration taken at
// face value, no 100 KiB reason stored or change id echoed. osctl checks the same bounds
// before it contacts any server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<grpc::ClientContext> Within(std::chrono::seconds s) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + s);
  return ctx;
}

class HostileBounds : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    agent_ = std::make_unique<Agent>(dir, AgentOptions{});
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    channel_ = grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials());
    client_ = std::make_unique<AgentClient>(agent_->address());
    original_ = ReadFile(agent_->hsconf());
  }

  grpc::Status Control(const v1::ControlServicesRequest& req) {
    auto stub = v1::Services::NewStub(channel_);
    auto ctx = Within(std::chrono::seconds(5));
    auto reader = stub->Control(ctx.get(), req);
    v1::ServiceEvent event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  }

  grpc::Status RunPhase(const v1::RunPhaseRequest& req) {
    auto stub = v1::ServiceCenter::NewStub(channel_);
    auto ctx = Within(std::chrono::seconds(5));
    auto reader = stub->RunPhase(ctx.get(), req);
    v1::PhaseEvent event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  }

  v1::SetEndpointsRequest SetRequest() {
    v1::SetEndpointsRequest req;
    v1::EndpointChange* c = req.add_changes();
    c->set_database(v1::DATABASE_PLATFORM);
    c->set_address("newdb.example.com");
    req.set_expected_revision(client_->Revision());
    return req;
  }

  grpc::Status Set(const v1::SetEndpointsRequest& req) {
    v1::SetEndpointsResponse resp;
    return client_->endpoints().Set(client_->Context().get(), req, &resp);
  }

  void ExpectInvalid(const grpc::Status& s, const std::string& text) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(text));
  }

  TempDir tmp_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<AgentClient> client_;
  std::string original_;
};

TEST_F(HostileBounds, MinHealthyBeyondAnHourIsRefusedAtOnce) {
  v1::ControlServicesRequest req;
  req.set_action(v1::SERVICE_ACTION_RESTART);
  req.mutable_min_healthy()->set_seconds(100000LL * 3600);
  const auto started = std::chrono::steady_clock::now();
  ExpectInvalid(Control(req), "min_healthy: must be between 0 and 1h, got 100000h");
  // Refused, not held until the client's deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  req.mutable_min_healthy()->set_seconds(-1);
  ExpectInvalid(Control(req), "min_healthy: must be between 0 and 1h, got -1s");
}

TEST_F(HostileBounds, MalformedDurationsAreRefusedAndNothingChanges) {
  v1::SetEndpointsRequest req = SetRequest();
  req.mutable_confirm_within()->set_seconds(30);
  req.mutable_confirm_within()->set_nanos(-5);  // signs disagree
  ExpectInvalid(Set(req), "confirm_within: not a valid duration (seconds 30, nanos -5)");
  req = SetRequest();
  req.mutable_confirm_within()->set_seconds(60);
  req.mutable_lease()->set_nanos(2'000'000'000);  // more than a second of nanos
  ExpectInvalid(Set(req), "lease: not a valid duration");
  req = SetRequest();
  req.mutable_confirm_within()->set_seconds(25 * 3600);
  ExpectInvalid(Set(req), "confirm_within: must be between 0 and 24h, got 25h");
  EXPECT_EQ(ReadFile(agent_->hsconf()), original_);
}

TEST_F(HostileBounds, OversizeTextsAreRefusedAndNothingChanges) {
  v1::SetEndpointsRequest req = SetRequest();
  req.set_reason(std::string(5000, 'r'));
  ExpectInvalid(Set(req), "reason: 5000 bytes, at most 1024 allowed");
  req = SetRequest();
  req.set_expected_revision(std::string(200 << 10, 'a'));
  ExpectInvalid(Set(req), "expected_revision: 204800 bytes, at most 128 allowed");
  EXPECT_EQ(ReadFile(agent_->hsconf()), original_);

  v1::ConfirmRequest confirm;
  confirm.set_change_id(std::string(100 << 10, 'c'));
  v1::ConfirmResponse confirmed;
  const grpc::Status s =
      client_->endpoints().Confirm(client_->Context().get(), confirm, &confirmed);
  ExpectInvalid(s, "change_id: 102400 bytes, at most 128 allowed");
  EXPECT_LT(s.error_message().size(), 200u);  // the id is not echoed back

  v1::RollbackRequest rollback;
  rollback.set_backup_id(std::string(1000, 'b'));
  v1::RollbackResponse rolled;
  ExpectInvalid(client_->endpoints().Rollback(client_->Context().get(), rollback, &rolled),
                "backup_id: 1000 bytes, at most 128 allowed");
}

TEST_F(HostileBounds, OneEditPerDatabaseAtMost) {
  v1::SetEndpointsRequest req = SetRequest();
  for (int i = 0; i < 3; ++i) *req.add_changes() = req.changes(0);
  ExpectInvalid(Set(req), "changes: 4 entries, at most 3 allowed");
  EXPECT_EQ(ReadFile(agent_->hsconf()), original_);
}

TEST_F(HostileBounds, ListsOfNamesAreBounded) {
  v1::ControlServicesRequest control;
  control.set_action(v1::SERVICE_ACTION_STOP);
  for (int i = 0; i < 65; ++i) control.add_names(absl::StrCat("service-", i));
  ExpectInvalid(Control(control), "names: 65 entries, at most 64 allowed");
  control.clear_names();
  control.add_names(std::string(300, 'n'));
  ExpectInvalid(Control(control), "names[0]: 300 bytes, at most 256 allowed");

  v1::RunPhaseRequest phase;
  for (int i = 0; i < 10001; ++i) phase.add_modules("m");
  ExpectInvalid(RunPhase(phase), "modules: 10001 entries, at most 10000 allowed");
  phase.clear_modules();
  phase.mutable_deadline()->set_nanos(500'000'000);
  ExpectInvalid(RunPhase(phase), "deadline: must be between 1s and 24h, got 500ms");
}

TEST_F(HostileBounds, ConfigurationToolCredentialsAreBoundedAndNeverEchoed) {
  v1::SetEndpointsRequest req = SetRequest();
  auto* creds = req.mutable_configuration_tool()->mutable_credentials();
  for (int i = 0; i < 17; ++i) (*creds)[absl::StrCat("name_", i)] = "v";
  ExpectInvalid(Set(req), "configuration_tool.credentials: 17 entries, at most 16 allowed");
  creds->clear();
  (*creds)["db pw"] = "hunter2-secret";
  grpc::Status s = Set(req);
  ExpectInvalid(s, "the name 'db pw' is not a placeholder name");
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("hunter2")));
  creds->clear();
  (*creds)["db_admin_password"] = std::string(2000, 'x');
  s = Set(req);
  ExpectInvalid(s, "the value of 'db_admin_password' is empty or longer than 1024 bytes");
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("xxxx")));
  EXPECT_EQ(ReadFile(agent_->hsconf()), original_);

  v1::RestartChangeRequest restart;
  v1::SetEndpointsResponse resp;
  ExpectInvalid(client_->endpoints().Restart(client_->Context().get(), restart, &resp),
                "change_id: required");
  restart.set_change_id("no-such-change");
  grpc::Status unknown = client_->endpoints().Restart(client_->Context().get(), restart, &resp);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND) << unknown.error_message();
  EXPECT_THAT(unknown.error_message(), HasSubstr("change no-such-change is not pending"));
}

TEST_F(HostileBounds, OsctlChecksTheBoundsBeforeContactingAnyServer) {
  const std::string inventory =
      WriteInventory(tmp_.Sub("inventory.yaml"),
                     {{"dc01", absl::StrCat("127.0.0.1:", UnusedPort()), "deployment_controller"}});
  ProcessResult r = RunOsctl(
      {"--inventory", inventory, "--insecure", "services", "restart", "--min-healthy", "100000h"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--min-healthy: must be between 0 and 1h, got 100000h"));
  r = RunOsctl({"--inventory", inventory, "--insecure", "sc", "run", "--deadline", "48h"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--deadline: must be between 1s and 24h, got 48h"));
}

}  // namespace
}  // namespace osfleet::testing
