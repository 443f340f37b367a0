#include "agent/agent_yaml/setup_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/server/server_tls.h"
#include "common/api/role.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"
#include "common/platform/host_info.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

// folder + file with the separator the folder already uses (a Windows folder given to a
// Linux test stays a Windows path).
std::string JoinPath(const std::string& folder, const std::string& file) {
  if (folder.empty()) return "";
  if (absl::EndsWith(folder, "\\") || absl::EndsWith(folder, "/")) return folder + file;
  return absl::StrCat(folder, folder.find('\\') != std::string::npos ? "\\" : "/", file);
}

// The folder of path ("" for a bare file name), whichever separator it uses.
std::string FolderOf(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
}

// The config the agent would run with: the request over AgentConfig's defaults, with the
// same role message as the agent's --role flag.
absl::StatusOr<AgentConfig> ConfigFor(const SetupRequest& r) {
  AgentConfig c;
  c.name = r.name.empty() ? ValidUtf8(platform::HostName()) : r.name;
  if (!r.role.empty()) {
    absl::StatusOr<v1::ServerRole> role = ParseRole(r.role);
    if (!role.ok()) return absl::InvalidArgumentError(absl::StrCat("--", role.status().message()));
    c.role = *role;
  }
  if (!r.listen.empty()) c.listen = r.listen;
  if (!r.hsconf.empty()) c.hsconf_path = r.hsconf;
  const SetupTls tls = ResolveSetupTls(r, c.name);
  c.tls.cert = tls.cert;
  c.tls.key = tls.key;
  c.tls.ca = tls.ca;
  return c;
}

std::string Render(const SetupRequest& r, const AgentConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "role" << YAML::Value << RoleName(c.role);
  out << YAML::Key << "listen" << YAML::Value << c.listen;
  // Left out, the agent reads the Platform Server's folder from the registry at each start.
  if (!r.hsconf.empty()) out << YAML::Key << "hsconf" << YAML::Value << c.hsconf_path;
  out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cert" << YAML::Value << c.tls.cert;
  out << YAML::Key << "key" << YAML::Value << c.tls.key;
  if (!c.tls.ca.empty()) out << YAML::Key << "ca" << YAML::Value << c.tls.ca;
  out << YAML::EndMap << YAML::EndMap;
  return absl::StrCat(
      "# Written by `osagent setup` (the MSI's properties) at install time; never overwritten.\n"
      "# Every key: C:\\Program Files\\osfleet\\agent.example.yaml (docs/windows.md).\n",
      out.c_str(), "\n");
}

}  // namespace

SetupTls ResolveSetupTls(const SetupRequest& r, const std::string& name) {
  auto pick = [&r](const std::string& given, const std::string& file) {
    return given.empty() ? JoinPath(r.tls_dir, file) : given;
  };
  return SetupTls{pick(r.tls_cert, name + ".pem"), pick(r.tls_key, name + ".key"),
                  pick(r.tls_ca, "ca.pem")};
}

absl::StatusOr<std::string> RenderSetupConfig(const SetupRequest& request) {
  absl::StatusOr<AgentConfig> config = ConfigFor(request);
  if (!config.ok()) return config.status();
  if (absl::Status s = ValidateAgentConfig(*config); !s.ok()) return s;
  if (absl::Status s = CheckServerTls(*config); !s.ok()) return s;
  return Render(request, *config);
}

absl::StatusOr<SetupOutcome> WriteSetupConfig(const SetupRequest& request) {
  if (request.config.empty()) return absl::InvalidArgumentError("--config: not set");
  if (platform::PathExists(request.config)) return SetupOutcome::kKept;
  absl::StatusOr<std::string> text = RenderSetupConfig(request);
  if (!text.ok()) return text.status();
  // On a fresh server C:\ProgramData\osfleet does not exist yet: made as the agent makes
  // its state dir (the same folder by default).
  if (const std::string folder = FolderOf(request.config); !folder.empty()) {
    if (absl::Status s = MakeDirs(folder, 0700); !s.ok()) return s;
  }
  if (absl::Status s = WriteFileAtomically(request.config, *text); !s.ok()) return s;
  absl::StatusOr<AgentConfig> back = LoadAgentConfig(request.config);
  if (!back.ok()) return back.status();
  if (absl::Status s = ValidateAgentConfig(*back); !s.ok()) return s;
  return SetupOutcome::kWritten;
}

}  // namespace osfleet::agent
