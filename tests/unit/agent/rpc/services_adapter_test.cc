// osfleet.v1.Services and osfleet.v1.ServiceCenter as a client sees them, served in process
// (in_process_agent.h) by an agent with no services and no `service_center` section: the
// request checks name the field, the refusals keep their codes, and each mutating call,
// refused or not, leaves its audit line.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/request_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/agent/rpc/in_process_agent.h"

namespace osfleet::agent::in_process {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A server stream read to its end: the events and the status.
template <typename Event>
grpc::Status ReadAll(grpc::ClientReader<Event>* reader, std::vector<Event>* events) {
  Event event;
  while (reader->Read(&event)) events->push_back(event);
  return reader->Finish();
}

class ServicesAdapterTest : public ::testing::Test {
 protected:
  explicit ServicesAdapterTest(InProcessOptions options = {}) : agent_(options) {}

  grpc::Status Control(const v1::ControlServicesRequest& request,
                       std::vector<v1::ServiceEvent>* events) {
    std::unique_ptr<grpc::ClientContext> context = CallContext();
    return ReadAll(services_->Control(context.get(), request).get(), events);
  }
  grpc::Status RunPhase(const v1::RunPhaseRequest& request) {
    std::unique_ptr<grpc::ClientContext> context = CallContext();
    std::vector<v1::PhaseEvent> events;
    grpc::Status status = ReadAll(service_center_->RunPhase(context.get(), request).get(), &events);
    EXPECT_TRUE(events.empty()) << events.size() << " events";
    return status;
  }

  InProcessAgent agent_;
  std::unique_ptr<v1::Services::Stub> services_ = agent_.Services();
  std::unique_ptr<v1::ServiceCenter::Stub> service_center_ = agent_.ServiceCenter();
};

TEST_F(ServicesAdapterTest, ListAnswersTheConfiguredServices) {
  v1::ListServicesResponse list;
  EXPECT_OK(services_->List(CallContext().get(), v1::ListServicesRequest(), &list));
  EXPECT_EQ(list.services_size(), 0);
}

TEST_F(ServicesAdapterTest, ControlOfEveryServiceIsAuditedWithItsAction) {
  v1::ControlServicesRequest request;
  request.set_action(v1::SERVICE_ACTION_START);
  std::vector<v1::ServiceEvent> events;
  EXPECT_OK(Control(request, &events));
  EXPECT_TRUE(events.empty());
  EXPECT_THAT(agent_.AuditLines(),
              AllOf(HasSubstr("\"Services.Control\""), HasSubstr("SERVICE_ACTION_START"),
                    HasSubstr("\"services\":\"*\""), HasSubstr("\"result\":\"OK\"")));
}

TEST_F(ServicesAdapterTest, ControlChecksItsFields) {
  v1::ControlServicesRequest request;
  std::vector<v1::ServiceEvent> events;
  EXPECT_THAT(Control(request, &events),  // SERVICE_ACTION_UNSPECIFIED
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("action: must be START, STOP or RESTART")));

  request.set_action(v1::SERVICE_ACTION_RESTART);
  for (size_t i = 0; i <= kMaxServiceNames; ++i) request.add_names(absl::StrCat("svc", i));
  EXPECT_THAT(Control(request, &events),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("names: 65 entries")));

  request.clear_names();
  request.add_names(std::string(kMaxNameBytes + 1, 'n'));
  EXPECT_THAT(Control(request, &events),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("names[0]: 257 bytes")));

  request.clear_names();
  *request.mutable_min_healthy() = ProtoDuration(absl::Hours(2));
  EXPECT_THAT(Control(request, &events),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("min_healthy")));
  EXPECT_TRUE(events.empty());
  EXPECT_THAT(agent_.AuditLines(), HasSubstr("INVALID_ARGUMENT: min_healthy"));
}

TEST_F(ServicesAdapterTest, APhaseWithoutAServiceCenterSectionIsAFailedPrecondition) {
  EXPECT_THAT(RunPhase(v1::RunPhaseRequest()), StatusIs(grpc::StatusCode::FAILED_PRECONDITION,
                                                        HasSubstr("no `service_center` section")));
  EXPECT_THAT(agent_.AuditLines(),
              AllOf(HasSubstr("\"ServiceCenter.RunPhase\""), HasSubstr("FAILED_PRECONDITION")));
}

// The request is checked before whether this agent runs the phase at all.
TEST_F(ServicesAdapterTest, APhaseRequestOutOfBoundsIsInvalidNamingTheField) {
  v1::RunPhaseRequest request;
  *request.mutable_deadline() = ProtoDuration(absl::Milliseconds(500));
  EXPECT_THAT(RunPhase(request),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("deadline")));

  request.clear_deadline();
  for (size_t i = 0; i <= kMaxModuleNames; ++i) request.add_modules("M");
  EXPECT_THAT(RunPhase(request),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("modules: 10001 entries")));

  request.clear_modules();
  (*request.mutable_credentials())["not a name"] = "hunter2";
  EXPECT_THAT(RunPhase(request),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("credentials")));
  EXPECT_THAT(agent_.AuditLines(), Not(HasSubstr("hunter2")));
}

class ViewerServicesTest : public ServicesAdapterTest {
 protected:
  ViewerServicesTest() : ServicesAdapterTest({Transport::kTls}) {}
};

TEST_F(ViewerServicesTest, AViewerListsButMayNotControl) {
  v1::ListServicesResponse list;
  EXPECT_OK(services_->List(CallContext().get(), v1::ListServicesRequest(), &list));
  v1::ControlServicesRequest request;
  request.set_action(v1::SERVICE_ACTION_STOP);
  std::vector<v1::ServiceEvent> events;
  EXPECT_THAT(Control(request, &events), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(agent_.AuditLines(),
              AllOf(HasSubstr("\"Services.Control\""), HasSubstr("PERMISSION_DENIED")));
}

}  // namespace
}  // namespace osfleet::agent::in_process
