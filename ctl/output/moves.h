// What a change moves where, in the operator's words: "Platform SQLPROD01 → sqlnew01,1433,
// Log SQLLOG01 → sqlnew01,1433" in the prompts of `rollout apply | resume` and `endpoints
// set`, the rollout summary and `rollout status`; {"platform": {"from": [...], "to": ...}}
// in -o json.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctl/ops/rollout/journal.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct DatabaseMove {
  std::string database;           // "platform", "log", "session"
  std::vector<std::string> from;  // the distinct addresses the servers have now (or had)
  std::string to;
};

// The databases a rollout changes, from its journal (its options and each host's old
// addresses), in the order platform, log, session.
std::vector<DatabaseMove> MovesOf(const Journal& journal);
// The databases `changes` changes, their current addresses from `now` (failed replies
// are skipped).
std::vector<DatabaseMove> MovesOf(const std::vector<v1::EndpointChange>& changes,
                                  const std::vector<HostReply<v1::GetEndpointsResponse>>& now);

// "Platform SQLPROD01 → sqlnew01,1433, Log SQLA | SQLB → sqlnew01,1433" (servers that
// disagree: every old address, joined by " | "; none known: "Platform → new"). Control
// characters in an address are shown as escapes (EscapeControls).
std::string MovesText(const std::vector<DatabaseMove>& moves);
// {"platform": {"from": ["SQLPROD01"], "to": "sqlnew01,1433"}, ...}
nlohmann::json MovesJson(const std::vector<DatabaseMove>& moves);
// "Move 5 servers: Platform SQLPROD01 → sqlnew01,1433? [y/N] "
std::string MoveQuestion(size_t servers, const std::vector<DatabaseMove>& moves);

// One line per field a plan changes: "platform Server SQLPROD01 → sqlnew01,1433, log
// Server SQLLOG01 → sqlnew01,1433"; "no change (already at the new addresses)" when none.
std::string DiffsText(const google::protobuf::RepeatedPtrField<v1::FieldDiff>& diffs);

// A rollout's progress from its journal: "done: 2 of 5 servers (dc01, fe01), batches 1-2
// of 4; left: fe02, fe03, fe04 (batches 3-4)".
std::string ProgressText(const Journal& journal);

}  // namespace osfleet::ctl
