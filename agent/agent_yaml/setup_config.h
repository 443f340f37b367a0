// The agent.yaml an unattended install writes (`osagent setup`, the MSI's NAME, ROLE,
// LISTEN, TLSDIR, TLSCERT, TLSKEY, TLSCA and HSCONF): built from a few values, checked by
// the agent's own validation and TLS loading, written once and never over an existing file.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace osfleet::agent {

// Empty fields take the agent's defaults: name the hostname, listen 0.0.0.0:7443, hsconf
// the Platform Server's (left out of the file: the agent finds it at each start).
struct SetupRequest {
  std::string config;  // where agent.yaml goes
  std::string name;
  std::string role;
  std::string listen;
  // A folder holding what `osctl pki issue agent NAME` made: NAME.pem, NAME.key, ca.pem.
  std::string tls_dir;
  std::string tls_cert, tls_key, tls_ca;  // each overrides its file in tls_dir
  std::string hsconf;
};

// The three TLS files: tls_cert/tls_key/tls_ca where given, else NAME.pem, NAME.key and
// ca.pem in tls_dir (joined with the separator tls_dir already uses), else empty.
struct SetupTls {
  std::string cert, key, ca;
};
SetupTls ResolveSetupTls(const SetupRequest& request, const std::string& name);

// The text of agent.yaml for request, after the checks the agent makes at start
// (ValidateAgentConfig: role, listen, TLS; the PEM files read as the agent reads them).
// INVALID_ARGUMENT with the agent's own message ("--role: role 'x' is not one of ...",
// "--tls-cert C:\\pki\\fe01.pem: ...") when a value would stop the agent.
absl::StatusOr<std::string> RenderSetupConfig(const SetupRequest& request);

enum class SetupOutcome { kWritten, kKept };

// kKept, untouched, when request.config exists (whatever it holds: it is the
// administrator's). Otherwise renders, writes it atomically and reads it back with
// LoadAgentConfig: kWritten. Errors name the value or the file.
absl::StatusOr<SetupOutcome> WriteSetupConfig(const SetupRequest& request);

}  // namespace osfleet::agent
