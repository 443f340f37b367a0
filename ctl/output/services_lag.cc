#include "ctl/output/services_lag.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace osfleet::ctl {
namespace {

std::string RevisionText(const std::string& revision) {
  return revision.empty() ? std::string("a revision the agent cannot tell")
                          : absl::StrCat("revision ", revision);
}

}  // namespace

std::vector<std::string> LaggingServices(const v1::AgentInfo& info) {
  std::vector<std::string> names;
  for (const v1::ServiceRevision& r : info.service_revisions()) {
    if (r.running() && r.revision() != info.revision()) names.push_back(r.service());
  }
  return names;
}

std::string ServicesLagLine(const std::string& server, const v1::AgentInfo& info) {
  std::vector<std::string> parts;
  for (const v1::ServiceRevision& r : info.service_revisions()) {
    if (!r.running() || r.revision() == info.revision()) continue;
    parts.push_back(absl::StrCat(r.service(), " runs on ", RevisionText(r.revision())));
  }
  if (parts.empty()) return "";
  return absl::StrCat(server, ": ", absl::StrJoin(parts, "; "), " (server.hsconf is at revision ",
                      info.revision(), "); restart: osctl services restart --limit ", server);
}

}  // namespace osfleet::ctl
