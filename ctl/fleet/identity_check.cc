#include "ctl/fleet/identity_check.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/role.h"
#include "common/text/escape.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

// Why `reply`'s agent is not the inventory's server; "" when it is.
std::string Mismatch(const HostReply<v1::AgentInfo>& reply) {
  const Server& server = *reply.server;
  const v1::AgentInfo& info = reply.response;
  const std::string agent_name = EscapeControls(info.name());
  if (info.role() != server.role) {
    return absl::StrCat(server.name, ": the inventory says ", RoleName(server.role),
                        ", its agent (named ", agent_name, ") says ", RoleName(info.role()));
  }
  if (info.name() != server.name) {
    return absl::StrCat(server.name, ": the inventory's address ", server.Target(),
                        " reaches the agent named ", agent_name, " (", RoleName(info.role()), ")");
  }
  return "";
}

}  // namespace

std::vector<std::string> IdentityMismatches(const std::vector<HostReply<v1::AgentInfo>>& info) {
  std::vector<std::string> lines;
  for (const HostReply<v1::AgentInfo>& reply : info) {
    if (!reply.ok() || reply.server == nullptr) continue;
    std::string line = Mismatch(reply);
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

absl::Status CheckIdentities(const std::vector<HostReply<v1::AgentInfo>>& info) {
  const std::vector<std::string> lines = IdentityMismatches(info);
  if (lines.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("the inventory does not match what the agents say (nothing was changed; "
                   "fix the inventory): ",
                   absl::StrJoin(lines, "; ")));
}

absl::Status CheckFleetIdentities(const FleetContext& ctx) {
  return CheckIdentities(CallGetInfo(ctx.targets(), ctx.fanout()));
}

}  // namespace osfleet::ctl
