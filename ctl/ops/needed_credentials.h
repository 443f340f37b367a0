// Credentials go only where a tool needs them: each agent reports the ${name} placeholders
// of its Configuration Tool's `apply` switches (AgentInfo.configuration_tool_credentials)
// and of its Service Center phase's Apply Settings step (service_center_credentials);
// a request to it carries those credentials and no others. An agent without a
// Configuration Tool, or one that does not answer Agent.GetInfo, gets none: a server
// that cannot say what it needs is not handed the database administrator's password.
#pragma once

#include <google/protobuf/map.h>

#include <string>
#include <vector>

#include "ctl/rpc/fanout.h"
#include "osfleet/v1/agent.pb.h"

namespace osfleet::ctl {

using CredentialMap = google::protobuf::Map<std::string, std::string>;

enum class CredentialUse {
  kConfigurationTool,   // Set and Rollback: the tool's `apply` run
  kServiceCenterPhase,  // RunPhase: the Apply Settings step
};

// Removes from `credentials` every entry whose name `info` does not report for `use`.
void KeepNeeded(const v1::AgentInfo& info, CredentialUse use, CredentialMap* credentials);

// The same for each target: credentials[k] goes to targets[k]. Asks Agent.GetInfo only
// when some map is not empty; a target that does not answer keeps none.
void KeepNeededByEach(const std::vector<Target>& targets, const FanOutOptions& fanout,
                      CredentialUse use, const std::vector<CredentialMap*>& credentials);

}  // namespace osfleet::ctl
