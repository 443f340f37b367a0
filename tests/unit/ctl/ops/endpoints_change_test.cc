// endpoints set's algorithm against Endpoints services in this process: plan everywhere
// first; one refusal and no server gets a Set; otherwise each Set carries the revision
// that server was planned at.
#include "ctl/ops/endpoints_change.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ctl/output/exit_code.h"
#include "gtest/gtest.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;

// Plans at revision "rev-NAME" (or refuses), and records every Set.
class FakeEndpoints final : public v1::Endpoints::CallbackService {
 public:
  FakeEndpoints(std::string name, bool refuse) : name_(std::move(name)), refuse_(refuse) {}

  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanEndpointsRequest*,
                                 v1::PlanEndpointsResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    response->set_revision("rev-" + name_);
    reactor->Finish(refuse_ ? grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "TNS alias")
                            : grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* Set(grpc::CallbackServerContext* context,
                                const v1::SetEndpointsRequest* request,
                                v1::SetEndpointsResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      sets_.push_back(*request);
    }
    response->set_revision("new-" + name_);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::vector<v1::SetEndpointsRequest> sets() {
    absl::MutexLock lock(&mu_);
    return sets_;
  }

 private:
  std::string name_;
  bool refuse_;
  absl::Mutex mu_;
  std::vector<v1::SetEndpointsRequest> sets_ ABSL_GUARDED_BY(mu_);
};

struct LocalAgent {
  LocalAgent(std::string name, bool refuse) : service(std::move(name), refuse) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~LocalAgent() { server->Shutdown(std::chrono::system_clock::now()); }
  FakeEndpoints service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

class EndpointsChangeTest : public ::testing::Test {
 protected:
  // One agent per name; `refusing` names the one whose Plan fails.
  void Start(const std::vector<std::string>& names, const std::string& refusing) {
    servers_.resize(names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      agents_.push_back(std::make_unique<LocalAgent>(names[i], names[i] == refusing));
      servers_[i].name = names[i];
      targets_.push_back(
          {&servers_[i], grpc::CreateChannel("127.0.0.1:" + std::to_string(agents_[i]->port),
                                             grpc::InsecureChannelCredentials())});
    }
  }
  static EndpointsChange Change() {
    EndpointsChange change;
    change.changes.emplace_back().set_address("SQLNEW");
    change.changes.back().set_database(v1::DATABASE_PLATFORM);
    change.reason = "ticket 42";
    change.restart_services = true;
    change.confirm_within = absl::Minutes(10);
    return change;
  }

  std::vector<std::unique_ptr<LocalAgent>> agents_;
  std::vector<Server> servers_;
  std::vector<Target> targets_;
  FanOutOptions fanout_;
};

TEST_F(EndpointsChangeTest, OneRefusalChangesNothingAnywhere) {
  Start({"dc01", "fe01", "fe02"}, "fe01");
  EndpointsChangeResult result = ChangeEndpoints(targets_, fanout_, fanout_, Change());
  EXPECT_TRUE(IsRefused(result.status));
  EXPECT_EQ(ExitCodeFor(result.status), kExitRefused);
  EXPECT_THAT(result.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(result.status.message(),
            "refused: 1 server(s) cannot take this change; nothing was changed on any server");
  ASSERT_EQ(result.plan.size(), 3u);
  EXPECT_FALSE(result.plan[1].ok());
  EXPECT_TRUE(result.set.empty());
  for (const auto& agent : agents_) EXPECT_TRUE(agent->service.sets().empty());
}

TEST_F(EndpointsChangeTest, EachServerIsSetAtTheRevisionItWasPlannedAt) {
  Start({"dc01", "fe01"}, "");
  EndpointsChangeResult result = ChangeEndpoints(targets_, fanout_, fanout_, Change());
  ASSERT_OK(result.status);
  ASSERT_EQ(result.set.size(), 2u);
  for (size_t i = 0; i < agents_.size(); ++i) {
    EXPECT_TRUE(result.set[i].ok());
    EXPECT_EQ(result.set[i].response.revision(), "new-" + servers_[i].name);
    const std::vector<v1::SetEndpointsRequest> sets = agents_[i]->service.sets();
    ASSERT_EQ(sets.size(), 1u);
    EXPECT_EQ(sets[0].expected_revision(), "rev-" + servers_[i].name);
    EXPECT_EQ(sets[0].reason(), "ticket 42");
    EXPECT_TRUE(sets[0].restart_services());
    EXPECT_EQ(sets[0].confirm_within().seconds(), 600);
    ASSERT_EQ(sets[0].changes_size(), 1);
    EXPECT_EQ(sets[0].changes(0).address(), "SQLNEW");
  }
}

TEST(SetRequestForTest, ConfirmWindowOnlyWhenGivenAndToTheNanosecond) {
  EndpointsChange change;
  EXPECT_FALSE(SetRequestFor(change, "r1").has_confirm_within());
  EXPECT_EQ(SetRequestFor(change, "r1").expected_revision(), "r1");
  change.confirm_within = absl::Milliseconds(1500);
  const v1::SetEndpointsRequest req = SetRequestFor(change, "r2");
  EXPECT_EQ(req.confirm_within().seconds(), 1);
  EXPECT_EQ(req.confirm_within().nanos(), 500000000);
}

}  // namespace
}  // namespace osfleet::ctl
