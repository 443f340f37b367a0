// After a finished rollout: can the old address be retired? Every server is asked
// (Endpoints.Connections) which of its processes still hold an established TCP connection
// to each address the rollout moved away from, one concurrent fan-out per old address;
// with --wait-drained, again every ~2s until none does or the time is up. The outcome is
// recorded in the journal (Journal::drain) for `rollout status`, and the summary says, per
// old address, whether it can be retired and why (or why not).
//
// What connections cannot tell: when the old and a current address resolve to the same
// endpoint (a DNS alias, the common rename), a connection to that endpoint may have been
// opened under either name. Those are counted apart (`shared`), never as "no connection",
// and the verdict says so: nothing on the servers names the old address any more, so it
// can be retired once nothing outside the farm uses it.
//
// Checking never fails a rollout: the change is done; the verdict is information.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ctl/fleet/context.h"
#include "ctl/ops/rollout/journal.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct DrainOptions {
  absl::Duration wait = absl::ZeroDuration();  // --wait-drained; zero: one check
  std::string wait_text;                       // as given ("10m"), for the record
  absl::Duration interval = absl::Seconds(2);  // between two checks while waiting
};

// --wait-drained DUR: a duration of 0s..24h. INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<DrainOptions> ParseDrainWait(const std::string& text);

// One old address to look for: the first database (platform, log, session) whose address
// it was, and every address the servers use now (address -> database), which may reach the
// same endpoint. `named_by` is set when the old address is still a current address of a
// database this rollout did not move ("the log address of dc01, fe01").
struct DrainTarget {
  std::string database;
  std::string address;
  std::map<std::string, std::string> current;
  std::string named_by;
};

// The distinct old addresses of the databases the journal moves (from each server's
// before-state), in platform, log, session order.
std::vector<DrainTarget> DrainTargets(const Journal& journal);

// The verdict on one old address from the servers' answers: old[k] is servers[k]'s answer
// for the old address, current[a][k] its answer for the a-th current address (only their
// endpoints are used). Fills servers, endpoints, shared, retire and reason.
DrainAddress JudgeDrain(
    const DrainTarget& target, const std::vector<std::string>& servers,
    const std::vector<HostReply<v1::ConnectionsResponse>>& old,
    const std::vector<std::vector<HostReply<v1::ConnectionsResponse>>>& current);

// Whether waiting may still change the verdict (some server still uses it or could not
// tell); false once it can be retired, or when a current address still names it.
bool StillDraining(const DrainAddress& address);

// "2 connection(s) to db-old,1433 (10.0.0.5:1433): pid 4242 w3wp.exe, pid 17 java"
std::string DrainServerText(const DrainAddress& address, const DrainServer& server);

// What a check reports as it goes: (server, text, bad); server empty for a whole address.
using DrainEmit = std::function<void(const std::string&, const std::string&, bool)>;

// Checks every server of the journal found in ctx (by name) for every DrainTargets entry,
// waiting as `options` says (stopping early when *interrupted becomes true), and records
// the last check in journal.drain (not saved: the caller saves). Emits a line per server
// still using an old address, progress while waiting, and the verdict per address.
void CheckDrained(const FleetContext& ctx, Journal& journal, const DrainOptions& options,
                  const DrainEmit& emit, const std::atomic<bool>* interrupted);

}  // namespace osfleet::ctl
