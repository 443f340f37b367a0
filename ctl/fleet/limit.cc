#include "ctl/fleet/limit.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api/role.h"
#include "ctl/fleet/glob.h"

namespace osfleet::ctl {
namespace {

// The grammar's words (limit.h); completion offers terms made of the same.
constexpr absl::string_view kAll = "all";
constexpr absl::string_view kRolePrefix = "role:";
constexpr absl::string_view kLabelPrefix = "label:";
constexpr absl::string_view kExclude = "!";

using Predicate = std::function<bool(const Server&)>;

absl::StatusOr<Predicate> ParseTerm(absl::string_view term) {
  if (term == kAll) return Predicate([](const Server&) { return true; });
  if (absl::ConsumePrefix(&term, kRolePrefix)) {
    absl::StatusOr<v1::ServerRole> role = ParseRole(term);
    if (!role.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--limit: ", role.status().message()));
    }
    return Predicate([r = *role](const Server& s) { return s.role == r; });
  }
  if (absl::ConsumePrefix(&term, kLabelPrefix)) {
    std::pair<std::string, std::string> kv = absl::StrSplit(term, absl::MaxSplits('=', 1));
    if (kv.first.empty() || !absl::StrContains(term, '=')) {
      return absl::InvalidArgumentError(
          absl::StrCat("--limit: 'label:", term, "' must be label:KEY=VALUE"));
    }
    return Predicate([kv](const Server& s) {
      auto it = s.labels.find(kv.first);
      return it != s.labels.end() && it->second == kv.second;
    });
  }
  return Predicate(
      [pattern = std::string(term)](const Server& s) { return GlobMatch(pattern, s.name); });
}

// Every term that selects at least one of `servers`, in inventory order, once each.
std::vector<std::string> SelectingTerms(const std::vector<Server>& servers) {
  std::vector<std::string> terms = {std::string(kAll)};
  std::vector<std::string> roles, labels;
  for (const Server& s : servers) {
    terms.push_back(s.name);
    roles.push_back(absl::StrCat(kRolePrefix, RoleName(s.role)));
    for (const auto& [key, value] : s.labels) {
      labels.push_back(absl::StrCat(kLabelPrefix, key, "=", value));
    }
  }
  terms.insert(terms.end(), roles.begin(), roles.end());
  terms.insert(terms.end(), labels.begin(), labels.end());
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (std::string& t : terms) {
    if (seen.insert(t).second) unique.push_back(std::move(t));
  }
  return unique;
}

}  // namespace

std::vector<std::string> LimitCompletions(const std::vector<Server>& servers,
                                          absl::string_view typed) {
  const size_t comma = typed.rfind(',');
  const absl::string_view before =
      comma == absl::string_view::npos ? "" : typed.substr(0, comma + 1);
  absl::string_view term = typed.substr(before.size());
  std::set<std::string> listed;
  for (absl::string_view t : absl::StrSplit(before, ',', absl::SkipEmpty())) {
    listed.insert(std::string(absl::StripAsciiWhitespace(t)));
  }
  const bool negate = absl::ConsumePrefix(&term, kExclude);
  std::vector<std::string> out;
  for (const std::string& candidate : SelectingTerms(servers)) {
    if (negate && candidate == kAll) continue;  // "!all" selects nothing
    const std::string full = negate ? absl::StrCat(kExclude, candidate) : candidate;
    if (!absl::StartsWith(candidate, term) || listed.count(full) > 0) continue;
    out.push_back(absl::StrCat(before, full));
  }
  return out;
}

absl::StatusOr<std::vector<Server>> SelectServers(const std::vector<Server>& servers,
                                                  absl::string_view expression) {
  if (absl::StripAsciiWhitespace(expression).empty()) return servers;
  std::vector<Predicate> include, exclude;
  for (absl::string_view raw : absl::StrSplit(expression, ',')) {
    absl::string_view term = absl::StripAsciiWhitespace(raw);
    if (term.empty()) return absl::InvalidArgumentError("--limit: empty term between commas");
    const bool negate = absl::ConsumePrefix(&term, kExclude);
    absl::StatusOr<Predicate> p = ParseTerm(term);
    if (!p.ok()) return p.status();
    if (std::none_of(servers.begin(), servers.end(), *p)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--limit: '", term, "' matches no server in the inventory"));
    }
    (negate ? exclude : include).push_back(*std::move(p));
  }
  if (include.empty()) include.push_back([](const Server&) { return true; });
  std::vector<Server> out;
  for (const Server& s : servers) {
    auto matches = [&s](const Predicate& p) { return p(s); };
    if (std::any_of(include.begin(), include.end(), matches) &&
        std::none_of(exclude.begin(), exclude.end(), matches)) {
      out.push_back(s);
    }
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--limit: '", expression, "' leaves no server selected"));
  }
  return out;
}

}  // namespace osfleet::ctl
