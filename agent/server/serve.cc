#include "agent/server/serve.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <thread>

#include "agent/server/agent_server.h"
#include "common/api/logging.h"
#include "common/io/atomic_file.h"
#include "common/platform/core_dumps.h"
#include "common/platform/descriptors.h"
#include "common/platform/stop_signal.h"

namespace osfleet::agent {
namespace {

// The soft descriptor limit up to the hard one (systemd: 1024 soft, 524288 hard), so that
// connections, which the listener keeps below the limit minus a reserve, have room.
void RaiseDescriptorLimit() {
  platform::Result<platform::DescriptorLimit> limit = platform::RaiseDescriptorLimit();
  if (!limit.ok()) {
    spdlog::warn("{}", limit.error().Message());
    return;
  }
  spdlog::info("descriptor limit {} (hard {})", limit->soft, limit->hard);
}

// Before any credential can arrive: a crash must not write the database administrator's
// password to a core file (or a Windows Error Reporting dump). (main() has made freed
// memory be overwritten: platform::ScrubFreedMemory.)
void DisableCoreDumps() {
  if (platform::Result<void> off = platform::DisableCoreDumps(); !off.ok()) {
    spdlog::warn("core dumps of osagent could not be turned off: {}", off.error().Message());
    return;
  }
  spdlog::debug("core dumps of osagent are off");
}

}  // namespace

int Serve(AgentConfig config, const std::function<void()>& ready) {
  RouteGrpcLogging(/*quiet=*/false);  // gRPC's own lines into this log, never a bare stderr
  RaiseDescriptorLimit();
  DisableCoreDumps();
  // Before any thread starts: a stop request then waits for the thread below.
  platform::StopSignal stop;
  const std::string port_file = config.port_file;
  absl::StatusOr<std::unique_ptr<AgentServer>> server = AgentServer::Start(std::move(config));
  if (!server.ok()) {
    spdlog::critical("{}", server.status().message());
    return absl::IsInvalidArgument(server.status()) ? kExitUsage : 1;
  }
  if (!port_file.empty()) {
    if (absl::Status s = WriteFileAtomically(port_file, std::to_string((*server)->port()));
        !s.ok()) {
      spdlog::critical("--port-file: {}", s.message());
      return 1;
    }
  }
  ready();
  std::thread waiter([&stop, &server] {
    const std::string request = stop.Wait();
    spdlog::info("{}: shutting down", request);
    (*server)->Shutdown(absl::Seconds(5));
  });
  (*server)->Wait();
  waiter.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace osfleet::agent
