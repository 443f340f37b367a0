#include "common/platform/default_paths.h"

namespace osfleet::platform {

const AgentPaths& DefaultAgentPaths() {
  static const AgentPaths paths{"C:\\Program Files\\OutSystems\\Platform Server\\server.hsconf",
                                "/var/lib/osagent", "/etc/osagent/agent.yaml", ""};
  return paths;
}

// No Platform Server runs on POSIX: nothing records a version.
std::string PlatformServerVersion() { return std::string(); }

}  // namespace osfleet::platform
