#include "tests/unit/agent/rpc/in_process_agent.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/files.h"

namespace osfleet::agent::in_process {
namespace {

constexpr int kBackupsKept = 20;

EndpointsDeps Deps(HsconfStore* store, ChangeManager* changes, FleetHold* hold, Lanes lanes,
                   const ProbeRunner* probes, const CallGate* gate) {
  EndpointsDeps deps;
  deps.store = store;
  deps.changes = changes;
  deps.hold = hold;
  deps.lanes = lanes;
  deps.probes = probes;
  deps.on_read = [](bool) {};  // health: no health service here
  deps.gate = gate;
  return deps;
}

// The fixture's copy, made before the store reads it.
std::string CopyFixture(const osfleet::testing::TempDir& tmp) {
  const std::string path = tmp.Sub("server.hsconf");
  osfleet::testing::CopyFile(absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/sqlserver-dc.hsconf"),
                             path);
  return path;
}

}  // namespace

InProcessAgent::InProcessAgent(InProcessOptions options)
    : hsconf_path_(CopyFixture(tmp_)),
      limiter_(LimitsFor(options.max_calls)),
      audit_(tmp_.Sub("audit.log")),
      gate_(Authorizer(options.transport), &limiter_, &audit_, kReadDeadline, &clock_),
      backups_(tmp_.Sub("backups"), kBackupsKept),
      store_(hsconf_path_, &backups_),
      services_({}, absl::ZeroDuration()),
      changes_(&store_, &services_, tmp_.Sub("pending.json"), absl::ZeroDuration(), &clock_),
      hold_(tmp_.Sub("hold.json"), /*refusal=*/"", &clock_),
      endpoints_service_(Deps(&store_, &changes_, &hold_, AllLanes(), &probes_, &gate_)),
      services_service_(&services_, AllLanes(), absl::ZeroDuration(), &gate_),
      service_center_service_(/*driver=*/nullptr, AllLanes(), absl::Minutes(60), &gate_),
      reads_(1),
      work_(1),
      rollback_(1),
      control_(1),
      phase_(1),
      checks_(1),
      probe_lane_(1),
      viewer_probe_lane_(1),
      probes_(&probe_lane_, &viewer_probe_lane_, /*dns_lookups_per_lane=*/1) {
  grpc::ServerBuilder builder;
  builder.RegisterService(&endpoints_service_);
  builder.RegisterService(&services_service_);
  builder.RegisterService(&service_center_service_);
  server_ = builder.BuildAndStart();
}

// The executors by lane (rpc_policy.h): one thread each, so that a test can hold a lane;
// reads, Confirm and Renew share the critical lane (reads_), as in the agent.
Lanes InProcessAgent::AllLanes() {
  Lanes lanes;
  lanes.critical = &reads_;
  lanes.rollback = &rollback_;
  lanes.changes = &work_;
  lanes.control = &control_;
  lanes.probes = &probe_lane_;
  lanes.viewer_probes = &viewer_probe_lane_;
  lanes.phase = &phase_;
  lanes.checks = &checks_;
  return lanes;
}

InProcessAgent::~InProcessAgent() {
  if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
}

std::unique_ptr<v1::Endpoints::Stub> InProcessAgent::Endpoints() const {
  return v1::Endpoints::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
}

std::unique_ptr<v1::Services::Stub> InProcessAgent::Services() const {
  return v1::Services::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
}

std::unique_ptr<v1::ServiceCenter::Stub> InProcessAgent::ServiceCenter() const {
  return v1::ServiceCenter::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
}

std::string InProcessAgent::AuditLines() const { return osfleet::testing::ReadFile(audit_.path()); }

LaneBlocker::LaneBlocker(Executor& lane) {
  absl::Notification started;
  lane.Post([this, &started] {
    started.Notify();
    release_.WaitForNotification();
  });
  started.WaitForNotification();
}

void LaneBlocker::Release() {
  if (!release_.HasBeenNotified()) release_.Notify();
}

void Drain(Executor& lane) {
  absl::Notification done;
  lane.Post([&done] { done.Notify(); });
  done.WaitForNotification();
}

std::unique_ptr<grpc::ClientContext> CallContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

google::protobuf::Duration ProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  out.set_seconds(absl::IDivDuration(d, absl::Seconds(1), &d));
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

absl::Duration DurationOf(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

bool Eventually(const std::function<bool()>& ready, absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  while (!ready()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace osfleet::agent::in_process
