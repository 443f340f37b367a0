// Issue 26, finding 7: osctl kept every streamed event until the deadline, so a
// compromised agent that streams without end took it to 6.3 GB in 60 s. Here a real
// gRPC server in this process plays that agent (it answers GetInfo as the inventory's
// server, then streams Services.Control or ServiceCenter.RunPhase events until it is
// cancelled), and a real osctl process must stop it at the stream caps
// (ctl/rpc/stream_budget.h) with an error naming the agent and the cap, its peak memory
// (ru_maxrss of the reaped process: the kernel's VmHWM) staying far below what it
// streamed.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "osfleet/v1/agent.grpc.pb.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/memory_bound.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMemoryBoundKiB = kOsctlMemoryBoundKiB;

// What the hostile agent streams: events of `detail_bytes` each, until cancelled.
struct Flood {
  size_t detail_bytes = 64;
  std::atomic<int64_t> sent{0};
  std::atomic<bool> cancelled_seen{false};
};

class HostileAgentInfo final : public v1::Agent::Service {
 public:
  explicit HostileAgentInfo(std::string role) : role_(std::move(role)) {}
  grpc::Status GetInfo(grpc::ServerContext*, const v1::GetInfoRequest*,
                       v1::AgentInfo* info) override {
    info->set_name("hostile");
    info->set_role(role_ == "deployment_controller" ? v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER
                                                    : v1::SERVER_ROLE_FRONT_END);
    return grpc::Status::OK;
  }

 private:
  const std::string role_;
};

// Writes until the client goes away; true when it saw the cancel.
template <typename Event>
void Stream(grpc::ServerContext* context, grpc::ServerWriter<Event>* writer, const Event& event,
            Flood& flood) {
  while (!context->IsCancelled() && writer->Write(event)) ++flood.sent;
  flood.cancelled_seen = true;
}

class FloodingServices final : public v1::Services::Service {
 public:
  explicit FloodingServices(Flood& flood) : flood_(flood) {}
  grpc::Status Control(grpc::ServerContext* context, const v1::ControlServicesRequest*,
                       grpc::ServerWriter<v1::ServiceEvent>* writer) override {
    v1::ServiceEvent event;
    event.set_service("OutSystems Deployment Service");
    event.set_state(v1::SERVICE_STATE_STARTING);
    event.set_detail(std::string(flood_.detail_bytes, 'x'));
    Stream(context, writer, event, flood_);
    return grpc::Status::OK;
  }

 private:
  Flood& flood_;
};

class FloodingServiceCenter final : public v1::ServiceCenter::Service {
 public:
  explicit FloodingServiceCenter(Flood& flood) : flood_(flood) {}
  grpc::Status RunPhase(grpc::ServerContext* context, const v1::RunPhaseRequest*,
                        grpc::ServerWriter<v1::PhaseEvent>* writer) override {
    v1::PhaseEvent event;
    event.mutable_message()->set_type(v1::PUBLISH_MESSAGE_TYPE_INFO);
    event.mutable_message()->set_message("Publishing Module1");
    event.mutable_message()->set_detail(std::string(flood_.detail_bytes, 'x'));
    Stream(context, writer, event, flood_);
    return grpc::Status::OK;
  }

 private:
  Flood& flood_;
};

// The hostile agent: a real gRPC server on 127.0.0.1:0, plaintext (osctl --insecure).
class HostileAgent {
 public:
  HostileAgent(const std::string& role, Flood& flood)
      : info_(role), services_(flood), service_center_(flood) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&info_);
    builder.RegisterService(&services_);
    builder.RegisterService(&service_center_);
    server_ = builder.BuildAndStart();
  }
  ~HostileAgent() { server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5))); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  HostileAgentInfo info_;
  FloodingServices services_;
  FloodingServiceCenter service_center_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// The last `n` bytes of a long output, for failure messages.
std::string Tail(const std::string& text, size_t n = 2000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

class HostileFloodsTest : public ::testing::Test {
 protected:
  MeasuredRun Osctl(const std::string& role, std::vector<std::string> args) {
    const std::string inventory =
        WriteInventory(tmp_.Sub("inventory.yaml"), {{"hostile", agent_->address(), role}});
    args.insert(args.begin(), {"--inventory", inventory, "--insecure"});
    return RunOsctlMeasured(args, tmp_.Sub("osctl.out"));
  }

  TempDir tmp_;
  Flood flood_;
  std::unique_ptr<HostileAgent> agent_;
};

TEST_F(HostileFloodsTest, ServicesRestartStopsAnAgentThatStreamsEventsForever) {
  flood_.detail_bytes = 64;
  agent_ = std::make_unique<HostileAgent>("fe", flood_);
  // On main this ran to the deadline keeping every event, and ended DEADLINE_EXCEEDED.
  const MeasuredRun run = Osctl("fe", {"services", "restart", "--restart-timeout", "30s"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output,
              HasSubstr("agent hostile sent more than 100000 events in one stream; stopped"))
      << Tail(run.output);
  EXPECT_THAT(run.output, HasSubstr("RESOURCE_EXHAUSTED")) << Tail(run.output);
  EXPECT_LT(run.max_rss_kib, kMemoryBoundKiB);
  // The stream was cancelled, not read to the deadline: the agent saw it go.
  EXPECT_TRUE(WaitFor([&] { return flood_.cancelled_seen.load(); }, absl::Seconds(10)));
}

TEST_F(HostileFloodsTest, ServicesRestartStaysSmallAgainstAnAgentThatStreamsLargeEvents) {
  flood_.detail_bytes = 1 << 20;  // 1 MiB each: under gRPC's 4 MiB, 32 of them fill the cap
  agent_ = std::make_unique<HostileAgent>("fe", flood_);
  // On main: ~100 MB a second kept until the deadline (6.3 GB in 60 s in the issue).
  const MeasuredRun run = Osctl("fe", {"services", "restart", "--restart-timeout", "8s"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output, HasSubstr("agent hostile sent more than 32 MiB in one stream; stopped"))
      << Tail(run.output);
  EXPECT_LT(run.max_rss_kib, kMemoryBoundKiB) << "osctl peaked at " << run.max_rss_kib << " KiB";
}

TEST_F(HostileFloodsTest, ScRunStopsAnAgentWhosePhaseStreamsForever) {
  flood_.detail_bytes = 4096;
  agent_ = std::make_unique<HostileAgent>("deployment_controller", flood_);
  const MeasuredRun run = Osctl("deployment_controller", {"sc", "run", "--deadline", "20s"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output, HasSubstr("agent hostile sent more than 32 MiB in one stream; stopped"))
      << Tail(run.output);
  EXPECT_LT(run.max_rss_kib, kMemoryBoundKiB) << "osctl peaked at " << run.max_rss_kib << " KiB";
}

TEST_F(HostileFloodsTest, ScRunAsJsonKeepsNoMoreThanTheCapAndSaysWhy) {
  flood_.detail_bytes = 4096;
  agent_ = std::make_unique<HostileAgent>("deployment_controller", flood_);
  const MeasuredRun run =
      Osctl("deployment_controller", {"-o", "json", "sc", "run", "--deadline", "20s"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output, HasSubstr("agent hostile sent more than 32 MiB in one stream; stopped"))
      << Tail(run.output);
  EXPECT_LT(run.max_rss_kib, 2 * kMemoryBoundKiB)
      << "osctl peaked at " << run.max_rss_kib << " KiB";
}

}  // namespace
}  // namespace osfleet::testing
