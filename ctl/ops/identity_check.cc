#include "ctl/ops/identity_check.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

std::string FindingText(const std::string& server, const v1::ProbeResult& p) {
  const v1::Identity& id = p.identity();
  const std::string head = absl::StrCat(server, " ", DatabaseName(p.database()), ": ");
  const std::string because = absl::StrCat(" (", EvidenceText(id), ")");
  switch (id.verdict()) {
    case v1::IDENTITY_VERDICT_SAME:
      return absl::StrCat(head, p.address(), " reaches the same database server as ",
                          id.current_address(), because);
    case v1::IDENTITY_VERDICT_DIFFERENT:
      return absl::StrCat(head, p.address(), " reaches another database server than ",
                          id.current_address(), because);
    default:
      return absl::StrCat(head, "whether ", p.address(), " reaches the same database server as ",
                          id.current_address(), " is not known", because);
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
  for (const auto& r : probes) {
    if (!r.ok()) continue;
    for (const v1::ProbeResult& p : r.response.results()) {
      if (!p.has_identity()) continue;
      IdentityFinding f{r.server->name, p, FindingText(r.server->name, p)};
      switch (p.identity().verdict()) {
        case v1::IDENTITY_VERDICT_SAME:
          review.same.push_back(std::move(f));
          break;
        case v1::IDENTITY_VERDICT_DIFFERENT:
          review.different.push_back(std::move(f));
          break;
        case v1::IDENTITY_VERDICT_UNKNOWN:
          review.unknown.push_back(std::move(f));
          break;
        default:
          break;
      }
    }
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
