#include "ctl/ops/needed_credentials.h"

#include <algorithm>

#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {

void KeepNeeded(const v1::AgentInfo& info, CredentialUse use, CredentialMap* credentials) {
  const auto& names = use == CredentialUse::kConfigurationTool
                          ? info.configuration_tool_credentials()
                          : info.service_center_credentials();
  for (auto it = credentials->begin(); it != credentials->end();) {
    if (std::find(names.begin(), names.end(), it->first) == names.end()) {
      it = credentials->erase(it);
    } else {
      ++it;
    }
  }
}

void KeepNeededByEach(const std::vector<Target>& targets, const FanOutOptions& fanout,
                      CredentialUse use, const std::vector<CredentialMap*>& credentials) {
  const bool any = std::any_of(credentials.begin(), credentials.end(),
                               [](const CredentialMap* c) { return !c->empty(); });
  if (!any) return;
  const std::vector<HostReply<v1::AgentInfo>> info = CallGetInfo(targets, fanout);
  for (size_t k = 0; k < credentials.size(); ++k) {
    if (k < info.size() && info[k].ok()) {
      KeepNeeded(info[k].response, use, credentials[k]);
    } else {
      credentials[k]->clear();
    }
  }
}

}  // namespace osfleet::ctl
