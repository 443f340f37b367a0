#include "ctl/ops/identity_check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

// Who saw a verdict: one server's name, "every server" when all that answered did, or the
// names.
std::string Who(const std::vector<std::string>& servers, size_t answered) {
  if (servers.size() == 1) return servers.front();
  if (servers.size() == answered) return absl::StrCat("every server (", answered, ")");
  return absl::StrJoin(servers, ", ");
}

std::string FindingText(const IdentityFinding& f, size_t answered) {
  const v1::Identity& id = f.result.identity();
  const std::string head =
      absl::StrCat(Who(f.servers, answered), " ", absl::StrJoin(f.databases, ", "), ": ");
  const std::string because = absl::StrCat(" (", EvidenceText(id), ")");
  const std::string& address = f.result.address();
  switch (id.verdict()) {
    case v1::IDENTITY_VERDICT_SAME:
      return absl::StrCat(head, address, " reaches the same database server as ",
                          id.current_address(), because);
    case v1::IDENTITY_VERDICT_DIFFERENT:
      return absl::StrCat(head, address, " reaches another database server than ",
                          id.current_address(), because);
    default:
      return absl::StrCat(head, "whether ", address, " reaches the same database server as ",
                          id.current_address(), " is not known", because);
  }
}

void AddUnique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

// Findings that say the same thing (verdict, both addresses, evidence) are one finding,
// naming every server and database it was seen from: a farm of 20 servers moving three
// databases to one wrong address reads as one line, not 60.
void Add(std::vector<IdentityFinding>& findings, const std::string& server,
         const v1::ProbeResult& p) {
  const std::string evidence = EvidenceText(p.identity());
  for (IdentityFinding& f : findings) {
    if (f.result.address() == p.address() &&
        f.result.identity().current_address() == p.identity().current_address() &&
        EvidenceText(f.result.identity()) == evidence) {
      AddUnique(f.servers, server);
      AddUnique(f.databases, DatabaseName(p.database()));
      return;
    }
  }
  findings.push_back(IdentityFinding{"", {server}, {DatabaseName(p.database())}, p, ""});
}

void Name(std::vector<IdentityFinding>& findings, size_t answered) {
  for (IdentityFinding& f : findings) {
    f.server = f.servers.size() == 1 ? f.servers.front() : "";
    f.text = FindingText(f, answered);
  }
}

}  // namespace

const char* VerdictWord(v1::IdentityVerdict verdict) {
  switch (verdict) {
    case v1::IDENTITY_VERDICT_SAME:
      return "same";
    case v1::IDENTITY_VERDICT_DIFFERENT:
      return "different";
    case v1::IDENTITY_VERDICT_UNKNOWN:
      return "unknown";
    default:
      break;
  }
  return "";
}

std::string EvidenceText(const v1::Identity& identity) {
  std::vector<std::string> lines;
  for (const v1::IdentityEvidence& e : identity.evidence()) {
    lines.push_back(absl::StrCat(e.weak() ? "weak: " : "", e.detail()));
  }
  return lines.empty() ? "no evidence" : absl::StrJoin(lines, "; ");
}

IdentityReview ReviewIdentity(const std::vector<HostReply<v1::ProbeResponse>>& probes) {
  IdentityReview review;
  size_t answered = 0;
  for (const auto& r : probes) {
    if (!r.ok()) continue;
    ++answered;
    for (const v1::ProbeResult& p : r.response.results()) {
      if (!p.has_identity()) continue;
      switch (p.identity().verdict()) {
        case v1::IDENTITY_VERDICT_SAME:
          Add(review.same, r.server->name, p);
          break;
        case v1::IDENTITY_VERDICT_DIFFERENT:
          Add(review.different, r.server->name, p);
          break;
        case v1::IDENTITY_VERDICT_UNKNOWN:
          Add(review.unknown, r.server->name, p);
          break;
        default:
          break;
      }
    }
  }
  for (auto* findings : {&review.same, &review.different, &review.unknown}) {
    Name(*findings, answered);
  }
  return review;
}

std::string RefusalText(const IdentityReview& review) {
  if (review.different.empty()) return "";
  std::vector<std::string> lines;
  for (const IdentityFinding& f : review.different) lines.push_back(f.text);
  return absl::StrCat(
      absl::StrJoin(lines, "; "),
      ". osfleet changes a database's address, not its server: moving to another database "
      "server is a different OutSystems procedure (\"Restore OutSystems database to a "
      "different DB Server\"); if the new address is right, give ",
      kAllowDifferentServerFlag);
}

std::string AllowedText(const IdentityFinding& f) {
  return absl::StrCat("WARNING: ", f.text, "; going on because of ", kAllowDifferentServerFlag);
}

absl::Status CheckIdentity(const std::vector<Target>& targets, const FanOutOptions& fanout,
                           const std::vector<v1::EndpointChange>& changes,
                           bool allow_different_server, const IdentityWarning& warn) {
  v1::ProbeRequest request;
  for (const v1::EndpointChange& c : changes) *request.add_targets() = c;
  request.set_identity(true);
  const auto probes = CallProbe(targets, fanout, request);
  for (const auto& r : probes) {
    if (!r.ok()) {
      warn(absl::StrCat("warning: ", r.server->name,
                        ": identity not checked: ", StatusText(r.status)),
           false);
    }
  }
  const IdentityReview review = ReviewIdentity(probes);
  for (const IdentityFinding& f : review.unknown) warn(absl::StrCat("warning: ", f.text), false);
  if (review.different.empty()) return absl::OkStatus();
  if (allow_different_server) {
    for (const IdentityFinding& f : review.different) warn(AllowedText(f), true);
    return absl::OkStatus();
  }
  return MarkRefused(absl::FailedPreconditionError(
      absl::StrCat("refused: ", RefusalText(review), "; nothing was changed")));
}

}  // namespace osfleet::ctl
