#include "ctl/ops/rollout/fleet_view.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/services_lag.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

std::vector<std::string> NamesIn(const FleetView& v, Standing s) {
  std::vector<std::string> out;
  for (const ServerStanding& x : v.servers) {
    if (x.standing == s) out.push_back(x.name);
  }
  return out;
}

std::vector<std::string> NamesWithLag(const FleetView& v) {
  std::vector<std::string> out;
  for (const ServerStanding& x : v.servers) {
    if (!x.services_lag.empty()) out.push_back(x.name);
  }
  return out;
}

}  // namespace

const char* StandingName(Standing s) {
  switch (s) {
    case Standing::kOld:
      return "old";
    case Standing::kNew:
      return "new";
    case Standing::kPending:
      return "pending";
    case Standing::kOther:
      return "other";
    case Standing::kUnreachable:
      break;
  }
  return "unreachable";
}

Standing StandingOf(const HostRecord& host, const RolloutOptions& options,
                    const v1::GetEndpointsResponse& now) {
  if (now.has_pending()) return Standing::kPending;
  bool all_new = true, all_old = true;
  for (const v1::EndpointChange& c :
       EndpointChanges({options.platform, options.log, options.session})) {
    const auto old = host.old_addresses.find(DatabaseName(c.database()));
    for (const v1::Endpoint& e : now.endpoints()) {
      if (e.database() != c.database()) continue;
      if (e.address() != c.address()) all_new = false;
      if (old == host.old_addresses.end() || e.address() != old->second) all_old = false;
    }
  }
  if (all_new) return Standing::kNew;
  return all_old ? Standing::kOld : Standing::kOther;
}

bool FleetView::split() const {
  return !NamesIn(*this, Standing::kNew).empty() && !NamesIn(*this, Standing::kOld).empty();
}

bool FleetView::services_lag() const {
  for (const ServerStanding& s : servers) {
    if (!s.services_lag.empty()) return true;
  }
  return false;
}

bool FleetView::converged() const {
  if (split() || services_lag() || servers.empty()) return false;
  const size_t fresh = NamesIn(*this, Standing::kNew).size();
  const size_t old = NamesIn(*this, Standing::kOld).size();
  return fresh == servers.size() || old == servers.size();
}

std::string FleetView::Headline() const {
  const std::vector<std::string> fresh = NamesIn(*this, Standing::kNew);
  const std::vector<std::string> old = NamesIn(*this, Standing::kOld);
  std::string line;
  if (split()) {
    line = absl::StrCat("SPLIT FLEET: ", absl::StrJoin(fresh, ", "), " on the new address; ",
                        absl::StrJoin(old, ", "), " on the old");
  } else if (!NamesIn(*this, Standing::kPending).empty()) {
    line = "not settled";  // a pending change may lag until its restart: said below
  } else if (services_lag()) {
    line = absl::StrCat("NOT CONVERGED: services run on another server.hsconf than their file (",
                        absl::StrJoin(NamesWithLag(*this), ", "), ")");
  } else if (!fresh.empty() && fresh.size() == servers.size()) {
    line = "converged: every server on the new address";
  } else if (!old.empty() && old.size() == servers.size()) {
    line = "converged: every server on the old address";
  } else {
    line = "not settled";
  }
  for (Standing s : {Standing::kPending, Standing::kOther, Standing::kUnreachable}) {
    const std::vector<std::string> names = NamesIn(*this, s);
    if (!names.empty()) {
      absl::StrAppend(&line, "; ", StandingName(s), ": ", absl::StrJoin(names, ", "));
    }
  }
  if (!target.empty()) absl::StrAppend(&line, "; target: ", target);
  for (const ServerStanding& s : servers) {
    if (!s.services_lag.empty()) absl::StrAppend(&line, "\n  ", s.services_lag);
  }
  return line;
}

nlohmann::json FleetView::ToJson() const {
  nlohmann::json servers_json = nlohmann::json::object();
  for (const ServerStanding& s : servers) {
    servers_json[s.name] = {{"standing", StandingName(s.standing)},
                            {"detail", s.detail},
                            {"services_lag", s.services_lag}};
  }
  return {{"split", split()},
          {"services_lag", services_lag()},
          {"converged", converged()},
          {"headline", Headline()},
          {"servers", servers_json}};
}

FleetView ObserveFleet(const FleetContext& ctx, const Journal& journal) {
  std::vector<size_t> indexes;
  std::vector<const HostRecord*> hosts;
  for (const HostRecord& h : journal.hosts) {
    for (size_t i = 0; i < ctx.servers().size(); ++i) {
      if (ctx.servers()[i].name == h.name) {
        indexes.push_back(i);
        hosts.push_back(&h);
      }
    }
  }
  const std::vector<Target> targets = ctx.Subset(indexes);
  auto now = CallGetEndpoints(targets, ctx.fanout());
  auto info = CallGetInfo(targets, ctx.fanout());
  FleetView view;
  for (size_t k = 0; k < hosts.size(); ++k) {
    ServerStanding s{hosts[k]->name};
    if (!now[k].ok()) {
      s.detail = StatusText(now[k].status);
    } else {
      s.standing = StandingOf(*hosts[k], journal.options, now[k].response);
      if (s.standing == Standing::kPending) s.detail = now[k].response.pending().change_id();
    }
    if (info[k].ok()) s.services_lag = ServicesLagLine(s.name, info[k].response);
    view.servers.push_back(std::move(s));
  }
  return view;
}

}  // namespace osfleet::ctl
