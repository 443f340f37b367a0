#include "ctl/fleet/limit.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api/role.h"
#include "ctl/fleet/glob.h"

namespace osfleet::ctl {
namespace {

using Predicate = std::function<bool(const Server&)>;

absl::StatusOr<Predicate> ParseTerm(absl::string_view term) {
  if (term == "all") return Predicate([](const Server&) { return true; });
  if (absl::ConsumePrefix(&term, "role:")) {
    absl::StatusOr<v1::ServerRole> role = ParseRole(term);
    if (!role.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--limit: ", role.status().message()));
    }
    return Predicate([r = *role](const Server& s) { return s.role == r; });
  }
  if (absl::ConsumePrefix(&term, "label:")) {
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

}  // namespace

absl::StatusOr<std::vector<Server>> SelectServers(const std::vector<Server>& servers,
                                                  absl::string_view expression) {
  if (absl::StripAsciiWhitespace(expression).empty()) return servers;
  std::vector<Predicate> include, exclude;
  for (absl::string_view raw : absl::StrSplit(expression, ',')) {
    absl::string_view term = absl::StripAsciiWhitespace(raw);
    if (term.empty()) return absl::InvalidArgumentError("--limit: empty term between commas");
    const bool negate = absl::ConsumePrefix(&term, "!");
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
