// One real osagent driven by a generated gRPC client: CAS, rollback, bad files, flags,
// shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "common/model/revision.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

class AgentTest : public ::testing::Test {
 protected:
  void Start(AgentOptions options = {}) {
    agent_ = std::make_unique<Agent>(tmp_.Sub("agent"), std::move(options));
    const bool ready = agent_->WaitReady();
    // Made even on failure: a failed ASSERT in a helper does not end the test.
    client_ = std::make_unique<AgentClient>(agent_->address());
    ASSERT_TRUE(ready) << ReadFile(agent_->log());
  }
  TempDir tmp_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<AgentClient> client_;
};

TEST_F(AgentTest, InfoDescribesTheServer) {
  Start();
  v1::AgentInfo info;
  ASSERT_OK(client_->agent().GetInfo(client_->Context().get(), {}, &info));
  EXPECT_EQ(info.name(), "dc01");
  EXPECT_EQ(info.role(), v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(info.revision(), Sha256Hex(ReadFile(agent_->hsconf())));
  EXPECT_EQ(info.deployment_controller_address(), "dc01.corp.example.com");
  EXPECT_EQ(info.cache_invalidation_host(), "dc01.corp.example.com");
  EXPECT_TRUE(info.hsconf_error().empty());
  EXPECT_FALSE(info.agent_version().empty());
}

TEST_F(AgentTest, StaleRevisionIsAbortedAndChangesNothing) {
  Start();
  const std::string rev = client_->Revision();
  v1::SetEndpointsResponse resp;
  ASSERT_OK(client_->Set(v1::DATABASE_PLATFORM, "SQLA", rev, &resp));
  EXPECT_EQ(resp.revision(), Sha256Hex(ReadFile(agent_->hsconf())));
  const std::string after_first = ReadFile(agent_->hsconf());
  grpc::Status stale = client_->Set(v1::DATABASE_PLATFORM, "SQLB", rev, &resp);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(stale.error_message(), HasSubstr("revision conflict"));
  EXPECT_EQ(ReadFile(agent_->hsconf()), after_first);
  grpc::Status missing = client_->Set(v1::DATABASE_PLATFORM, "SQLB", "", &resp);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AgentTest, RollbackRestoresTheBackupExactly) {
  Start();
  const std::string original = ReadFile(agent_->hsconf());
  v1::SetEndpointsResponse set;
  ASSERT_OK(client_->Set(v1::DATABASE_LOGGING, "SQLLOG2", client_->Revision(), &set));
  ASSERT_FALSE(set.backup_id().empty());
  v1::RollbackRequest req;
  req.set_backup_id(set.backup_id());
  req.set_expected_revision(Sha256Hex(original));  // stale on purpose
  v1::RollbackResponse resp;
  EXPECT_EQ(client_->endpoints().Rollback(client_->Context().get(), req, &resp).error_code(),
            grpc::StatusCode::ABORTED);
  req.set_expected_revision(set.revision());
  ASSERT_OK(client_->endpoints().Rollback(client_->Context().get(), req, &resp));
  EXPECT_EQ(ReadFile(agent_->hsconf()), original);
  EXPECT_EQ(resp.revision(), Sha256Hex(original));
  ASSERT_EQ(resp.diffs_size(), 1);
  EXPECT_EQ(resp.diffs(0).old_value(), "SQLLOG2");
  v1::ListBackupsResponse list;
  ASSERT_OK(client_->endpoints().ListBackups(client_->Context().get(), {}, &list));
  EXPECT_EQ(list.backups_size(), 2);  // before the set, before the rollback
  req.set_backup_id("no-such-backup");
  req.set_expected_revision(client_->Revision());
  EXPECT_EQ(client_->endpoints().Rollback(client_->Context().get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AgentTest, ConfirmWindowThroughTheApi) {
  Start();
  v1::SetEndpointsRequest req;
  req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  req.mutable_changes(0)->set_address("SQLA");
  req.set_expected_revision(client_->Revision());
  req.mutable_confirm_within()->set_seconds(600);
  v1::SetEndpointsResponse set;
  ASSERT_OK(client_->endpoints().Set(client_->Context().get(), req, &set));
  EXPECT_EQ(set.state(), v1::CHANGE_STATE_PENDING);
  EXPECT_GT(set.confirm_deadline().seconds(), 0);
  v1::GetEndpointsResponse get;
  ASSERT_OK(client_->endpoints().Get(client_->Context().get(), {}, &get));
  EXPECT_EQ(get.pending().change_id(), set.change_id());
  EXPECT_EQ(get.pending().revision(), set.revision());
  v1::ConfirmRequest confirm;
  v1::ConfirmResponse confirmed;
  confirm.set_change_id("chg-not-this-one");
  EXPECT_EQ(
      client_->endpoints().Confirm(client_->Context().get(), confirm, &confirmed).error_code(),
      grpc::StatusCode::NOT_FOUND);
  confirm.set_change_id(set.change_id());
  ASSERT_OK(client_->endpoints().Confirm(client_->Context().get(), confirm, &confirmed));
  EXPECT_EQ(confirmed.state(), v1::CHANGE_STATE_CONFIRMED);
  EXPECT_EQ(confirmed.revision(), set.revision());
  // Confirming the same change again is harmless (a retried call after a lost answer).
  EXPECT_OK(client_->endpoints().Confirm(client_->Context().get(), confirm, &confirmed));
}

TEST_F(AgentTest, RestartWithoutServicesIsRefusedBeforeWriting) {
  Start();
  v1::SetEndpointsRequest req;
  req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  req.mutable_changes(0)->set_address("SQLA");
  req.set_expected_revision(client_->Revision());
  req.set_restart_services(true);
  v1::SetEndpointsResponse resp;
  const std::string before = ReadFile(agent_->hsconf());
  grpc::Status status = client_->endpoints().Set(client_->Context().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("no services configured"));
  EXPECT_EQ(ReadFile(agent_->hsconf()), before);
}

class BadFixtureTest : public AgentTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(BadFixtureTest, IsReportedAndNeverWritten) {
  Start({"fe01", "front_end", GetParam()});
  const std::string before = ReadFile(agent_->hsconf());
  v1::AgentInfo info;
  ASSERT_OK(client_->agent().GetInfo(client_->Context().get(), {}, &info));
  v1::GetEndpointsResponse get;
  grpc::Status got = client_->endpoints().Get(client_->Context().get(), {}, &get);
  v1::SetEndpointsResponse set;
  v1::SetEndpointsRequest req;
  req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  req.mutable_changes(0)->set_address("SQLNEW");
  req.set_force(true);
  grpc::Status status = client_->endpoints().Set(client_->Context().get(), req, &set);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_EQ(ReadFile(agent_->hsconf()), before);
  if (std::string(GetParam()) == "bad-encrypted-server.hsconf") {
    EXPECT_TRUE(got.ok());  // readable; only the encrypted address cannot change
    EXPECT_THAT(status.error_message(), HasSubstr("encrypted"));
  } else {
    EXPECT_EQ(got.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_FALSE(info.hsconf_error().empty());
  }
}

INSTANTIATE_TEST_SUITE_P(AllBad, BadFixtureTest,
                         ::testing::Values("bad-duplicate-server.hsconf",
                                           "bad-encrypted-server.hsconf",
                                           "bad-missing-session.hsconf", "bad-truncated.hsconf",
                                           "bad-unknown-provider.hsconf", "bad-wrong-root.hsconf"));

TEST_F(AgentTest, SigtermStopsCleanly) {
  Start();
  EXPECT_EQ(agent_->process().Stop(SIGTERM), 0);
  EXPECT_THAT(ReadFile(agent_->log()), HasSubstr("stopped"));
}

TEST_F(AgentTest, TwoAgentsCannotShareAStateDir) {
  Start();
  const std::string state = agent_->dir() + "/state";
  ProcessResult second =
      RunProgram({BinDir() + "/osagent", "--listen", "127.0.0.1:0", "--hsconf", agent_->hsconf(),
                  "--state-dir", state, "--role", "front_end", "--insecure"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("in use by another osagent"));
}

TEST(AgentFlags, InsecureOnlyOnLoopbackAndConfigErrorsArePrecise) {
  TempDir tmp;
  ProcessResult open = RunProgram({BinDir() + "/osagent", "--listen", "0.0.0.0:0", "--hsconf", "x",
                                   "--state-dir", tmp.Sub("s"), "--role", "fe", "--insecure"});
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_THAT(open.err, HasSubstr("only on a loopback address"));
  WriteFile(tmp.Sub("agent.yaml"), "role: front_end\nlisten: 127.0.0.1:0\nhsconf_path: x\n");
  ProcessResult typo = RunProgram({BinDir() + "/osagent", "--config", tmp.Sub("agent.yaml")});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("agent.yaml:3: config: unknown key 'hsconf_path'"));
  ProcessResult role = RunProgram({BinDir() + "/osagent", "--role", "boss", "--insecure"});
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_THAT(role.err, HasSubstr("'boss'"));
}

}  // namespace
}  // namespace osfleet::testing
