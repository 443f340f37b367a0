// What a change does with the identity verdicts of a Probe with identity (agent/probe/
// identity.h): a new address that reaches another database server is refused (moving to
// another server is a different OutSystems procedure), unless --allow-different-server; an
// unknown verdict is a warning. Shared by `rollout plan|apply` (its preflight) and
// `endpoints set`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

inline constexpr char kAllowDifferentServerFlag[] = "--allow-different-server";

// "same", "different", "unknown"; empty for IDENTITY_VERDICT_UNSPECIFIED (not compared).
const char* VerdictWord(v1::IdentityVerdict verdict);

// The evidence of one verdict, strongest first, "; "-joined ("weak: " before a weak line).
std::string EvidenceText(const v1::Identity& identity);

// One verdict, with its evidence, as every server and database it was seen from gave it:
// "every server (5) platform, log, session: db-new reaches another database server than
// db01 (evidence)"; "fe01 platform: ..." when one server saw it.
struct IdentityFinding {
  std::string server;                  // the one server that saw it; empty when several did
  std::vector<std::string> servers;    // in the order they answered
  std::vector<std::string> databases;  // "platform", "log", "session"
  v1::ProbeResult result;              // the first server's
  std::string text;
};

struct IdentityReview {
  std::vector<IdentityFinding> different;  // refused unless allowed
  std::vector<IdentityFinding> unknown;    // a warning each
  std::vector<IdentityFinding> same;
};

// Every compared target of every server that answered, the same finding from several
// servers or databases once.
IdentityReview ReviewIdentity(const std::vector<HostReply<v1::ProbeResponse>>& probes);

// Why a change is refused: the servers, databases, both addresses and the evidence, the flag
// that overrides, and the other procedure. Empty when nothing is `different`.
std::string RefusalText(const IdentityReview& review);

// The loud line written when --allow-different-server let a `different` through.
std::string AllowedText(const IdentityFinding& finding);

// For `endpoints set`: probes `changes` with identity from every target; refuses (IsRefused,
// FAILED_PRECONDITION) a `different` unless allow_different_server; calls warn with a line
// for each unknown verdict, each server that could not answer, and (loud) each allowed
// `different`.
using IdentityWarning = std::function<void(const std::string& line, bool loud)>;
absl::Status CheckIdentity(const std::vector<Target>& targets, const FanOutOptions& fanout,
                           const std::vector<v1::EndpointChange>& changes,
                           bool allow_different_server, const IdentityWarning& warn);

}  // namespace osfleet::ctl
