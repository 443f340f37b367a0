// osagent: the per-server agent. Parses flags over the YAML config, starts serving and
// stops cleanly on SIGTERM/SIGINT (platform::StopSignal).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/logging.h"

#include "absl/strings/str_cat.h"
#include "agent/config/agent_config.h"
#include "agent/server/agent_server.h"
#include "common/atomic_file.h"
#include "common/logging.h"
#include "common/platform/descriptors.h"
#include "common/platform/host_info.h"
#include "common/platform/stop_signal.h"
#include "common/role.h"
#include "common/utf8.h"

namespace osfleet::agent {
namespace {

constexpr int kExitUsage = 2;

struct Flags {
  std::string config, name, role, listen, port_file, hsconf, state_dir;
  std::string tls_cert, tls_key, tls_ca, tls_crl, log_level, audit_log;
  int max_concurrent_calls = 0;
  bool insecure = false;
  bool start_services = false;
};

void AddFlags(CLI::App& app, Flags& f) {
  app.add_option("--config", f.config, "YAML config file; flags override its keys");
  app.add_option("--name", f.name, "this server's inventory name (default: hostname)");
  app.add_option("--role", f.role, "deployment_controller | front_end");
  app.add_option("--listen", f.listen, "HOST:PORT to serve on (port 0: any free port)");
  app.add_option("--port-file", f.port_file, "write the bound port here once serving");
  app.add_option("--hsconf", f.hsconf, "path of server.hsconf");
  app.add_option("--state-dir", f.state_dir, "folder for backups and state");
  app.add_option("--tls-cert", f.tls_cert, "PEM certificate of this agent");
  app.add_option("--tls-key", f.tls_key, "PEM private key of this agent");
  app.add_option("--tls-ca", f.tls_ca, "PEM CA bundle; client certificates are then required");
  app.add_option("--tls-crl", f.tls_crl, "PEM CRL file; revoked client certificates are refused");
  app.add_flag("--insecure", f.insecure, "plaintext (only on a loopback listen address)");
  app.add_flag("--start-services", f.start_services, "start the configured services at start-up");
  app.add_option("--log-level", f.log_level, "trace|debug|info|warn|error|off");
  app.add_option("--audit-log", f.audit_log, "audit log file (default: STATE_DIR/audit.log)");
  app.add_option("--max-concurrent-calls", f.max_concurrent_calls,
                 "calls in progress at once, over all clients (default 64)");
  app.set_version_flag("--version", std::string("osagent ") + OSFLEET_VERSION);
}

absl::StatusOr<AgentConfig> BuildConfig(const Flags& f) {
  AgentConfig c;
  if (!f.config.empty()) {
    absl::StatusOr<AgentConfig> loaded = LoadAgentConfig(f.config);
    if (!loaded.ok()) return loaded.status();
    c = *std::move(loaded);
  }
  auto override_with = [](std::string& field, const std::string& flag) {
    if (!flag.empty()) field = flag;
  };
  override_with(c.name, f.name);
  override_with(c.listen, f.listen);
  override_with(c.port_file, f.port_file);
  override_with(c.hsconf_path, f.hsconf);
  override_with(c.state_dir, f.state_dir);
  override_with(c.tls.cert, f.tls_cert);
  override_with(c.tls.key, f.tls_key);
  override_with(c.tls.ca, f.tls_ca);
  override_with(c.tls_crl, f.tls_crl);
  override_with(c.log_level, f.log_level);
  override_with(c.audit_log, f.audit_log);
  if (f.max_concurrent_calls != 0) c.max_concurrent_calls = f.max_concurrent_calls;
  if (f.insecure) c.insecure = true;
  if (f.start_services) c.start_services = true;
  if (!f.role.empty()) {
    absl::StatusOr<v1::ServerRole> role = ParseRole(f.role);
    if (!role.ok()) return absl::InvalidArgumentError(absl::StrCat("--", role.status().message()));
    c.role = *role;
  }
  if (c.name.empty()) c.name = ValidUtf8(platform::HostName());
  return c;
}

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

int Run(const Flags& flags) {
  absl::StatusOr<AgentConfig> config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "osagent: %s\n", ValidUtf8(config.status().message()).c_str());
    return kExitUsage;
  }
  if (absl::Status s = SetUpLogging("osagent", config->log_level); !s.ok()) {
    std::fprintf(stderr, "osagent: %s\n", ValidUtf8(s.message()).c_str());
    return kExitUsage;
  }
  RaiseDescriptorLimit();
  // Before any thread starts: a stop request then waits for the thread below.
  platform::StopSignal stop;
  const std::string port_file = config->port_file;
  absl::StatusOr<std::unique_ptr<AgentServer>> server = AgentServer::Start(*std::move(config));
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

// CLI11's own message (usage, help, version), valid UTF-8 even when it quotes an argument
// that is not; the exit code for it.
int ExitOnParseError(const CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream out, err;
  const int code = app.exit(e, out, err);
  std::fputs(ValidUtf8(out.str()).c_str(), stdout);
  std::fputs(ValidUtf8(err.str()).c_str(), stderr);
  return code == 0 ? 0 : kExitUsage;
}

}  // namespace
}  // namespace osfleet::agent

int main(int argc, char** argv) {
  CLI::App app{"osagent: serves this OutSystems server's database endpoints to osctl"};
  osfleet::agent::Flags flags;
  osfleet::agent::AddFlags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return osfleet::agent::ExitOnParseError(app, e);
  }
  return osfleet::agent::Run(flags);
}
