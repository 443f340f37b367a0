#include "agent/setup/setup_command.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "agent/server/serve.h"
#include "common/platform/default_paths.h"
#include "common/text/utf8.h"

namespace osfleet::agent {

CLI::App* AddSetupCommand(CLI::App& app, SetupRequest& r) {
  CLI::App* setup = app.add_subcommand(
      "setup", "write agent.yaml from these values when there is none (never overwrites one)");
  setup->add_option(
      "--config", r.config,
      "where agent.yaml goes (default: " + platform::DefaultAgentPaths().config + ")");
  setup->add_option("--name", r.name, "this server's inventory name (default: hostname)");
  setup->add_option("--role", r.role, "deployment_controller | front_end");
  setup->add_option("--listen", r.listen, "HOST:PORT to serve on (default 0.0.0.0:7443)");
  setup->add_option("--tls-dir", r.tls_dir,
                    "folder of `osctl pki issue agent NAME`'s NAME.pem, NAME.key and ca.pem");
  setup->add_option("--tls-cert", r.tls_cert, "PEM certificate (default: TLS_DIR\\NAME.pem)");
  setup->add_option("--tls-key", r.tls_key, "PEM private key (default: TLS_DIR\\NAME.key)");
  setup->add_option("--tls-ca", r.tls_ca, "PEM CA bundle (default: TLS_DIR\\ca.pem)");
  setup->add_option("--hsconf", r.hsconf,
                    "path of server.hsconf (default: the Platform Server's, found at each start)");
  return setup;
}

int RunSetup(const SetupRequest& given) {
  SetupRequest request = given;
  if (request.config.empty()) request.config = platform::DefaultAgentPaths().config;
  absl::StatusOr<SetupOutcome> outcome = WriteSetupConfig(request);
  if (!outcome.ok()) {
    std::fprintf(stderr, "osagent: setup: %s not written: %s\n", ValidUtf8(request.config).c_str(),
                 ValidUtf8(outcome.status().message()).c_str());
    return outcome.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : 1;
  }
  if (*outcome == SetupOutcome::kKept) {
    std::printf(
        "kept %s: an agent.yaml is already there and is never overwritten (the values "
        "given were not applied; edit it, or remove it and run setup again)\n",
        ValidUtf8(request.config).c_str());
  } else {
    std::printf("wrote %s\n", ValidUtf8(request.config).c_str());
  }
  return 0;
}

}  // namespace osfleet::agent
