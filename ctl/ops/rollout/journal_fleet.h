// A rollout journal against the operator's fleet: the journal is a record of what a rollout
// did, never the authority on where the servers are or whom to trust. `rollout resume |
// rollback | status` take the servers, their addresses and the CA from the operator's
// current inventory (and TLS flags), and compare them with what the journal recorded when
// the rollout started; any difference is reported, each one named, and resume and
// rollback refuse.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ctl/fleet/context.h"
#include "ctl/fleet/inventory.h"
#include "ctl/ops/rollout/journal.h"
#include "ctl/rpc/connection.h"

namespace osfleet::ctl {

// Which CA osctl trusts the agents with: "sha256:HEX" of the certificates in the CA file
// (whitespace ignored, so a copy with other line ends is the same CA); "none (plaintext,
// --insecure)"; "unreadable CA file PATH: why" when it cannot be read.
std::string CaFingerprint(const ConnectionOptions& connection);

// Records in a new journal what later runs compare with: the CA's fingerprint and each
// server's agent address (from ctx, matched by name).
void RecordFleet(Journal& journal, const FleetContext& ctx);

struct FleetComparison {
  // Each difference, in words: "servers in the journal but not in the inventory: fe09",
  // "fe02: journal says 10.0.0.12:7443, inventory says 10.0.0.99:7443", "CA: ...".
  std::vector<std::string> differences;
  // What could not be compared (an older journal without addresses or a CA fingerprint).
  std::vector<std::string> notes;

  bool matches() const { return differences.empty(); }
};

// The journal against the servers of the operator's inventory and the CA fingerprint osctl
// dials with now.
FleetComparison CompareWithFleet(const Journal& journal, const std::vector<Server>& servers,
                                 const std::string& ca_fingerprint);

// INVALID_ARGUMENT when the journal does not match ctx: "rollout ID (PATH) does not match
// the inventory INVENTORY: <every difference>; ...": nothing is asked or changed.
absl::Status CheckJournalMatchesFleet(const Journal& journal, const FleetContext& ctx,
                                      const std::string& inventory_path);

}  // namespace osfleet::ctl
