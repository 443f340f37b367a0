// What moving a database does to the addresses in its advanced-settings elements: an
// address naming the host moved away from would keep the platform on the old server (it
// overrides <Server>), so it is refused, rewritten in place or kept, as the caller chose.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/model/hsconf.h"
#include "common/model/hsconf_internal.h"

namespace osfleet {
namespace {

std::string Label(const DatabaseSection& section) {
  return absl::StrCat(ShortName(section.id), " database");
}

// "<RuntimeAdvancedSettings> Server=old.example.com"
std::string Named(const AdvancedAddress& a) {
  return absl::StrCat("<", a.element, "> ", a.keyword.keyword, "=", a.keyword.value);
}

std::string WithNewHost(const AddressKeyword& k, absl::string_view new_host) {
  std::string value = k.value;
  value.replace(k.host_in_value, k.host.size(), std::string(new_host));
  return value;
}

absl::Status Refusal(const DatabaseSection& section, absl::string_view old_host,
                     absl::string_view new_host, const std::vector<std::string>& named) {
  return absl::FailedPreconditionError(absl::StrCat(
      Label(section), ": ", absl::StrJoin(named, "; "), (named.size() == 1 ? " names" : " name"),
      " the host this change moves away from (", old_host,
      "); it overrides the section's address, so the platform would stay on ", old_host,
      ". Rewrite it (advanced_settings REWRITE, osctl --advanced-settings rewrite: ", old_host,
      " becomes ", new_host,
      " inside the element, nothing else changes) or keep it "
      "(KEEP, --advanced-settings keep)"));
}

// A warning for an address that does not name the old host: a failover partner elsewhere,
// or an override of <Server> that already points elsewhere.
void WarnOther(const DatabaseSection& section, const AdvancedAddress& a, EditResult* result) {
  if (a.keyword.overridden) return;  // a later pair of the same kind decides
  if (a.keyword.failover_partner) {
    result->warnings.push_back(
        absl::StrCat(Label(section), ": ", Named(a), " names a failover partner (", a.keyword.host,
                     "), left as it is: check it is the new server's partner"));
    return;
  }
  result->warnings.push_back(absl::StrCat(
      Label(section), ": ", Named(a), " overrides the section's address: the platform connects to ",
      a.keyword.host.empty() ? a.keyword.value : a.keyword.host, " whatever it says"));
}

AdvancedSettingsFinding::Kind KindOf(const DatabaseSection& section, const AdvancedAddress& a) {
  using Kind = AdvancedSettingsFinding::Kind;
  if (a.keyword.overridden) return Kind::kOverridden;
  if (SameHost(a.keyword.host, section.Host())) return Kind::kNamesOwnHost;
  return a.keyword.failover_partner ? Kind::kFailoverPartner : Kind::kNamesOtherHost;
}

std::string FindingText(const DatabaseSection& section, const AdvancedAddress& a,
                        AdvancedSettingsFinding::Kind kind) {
  using Kind = AdvancedSettingsFinding::Kind;
  const std::string head = absl::StrCat(Label(section), ": ", Named(a));
  switch (kind) {
    case Kind::kNamesOwnHost:
      return absl::StrCat(head, " names the section's own host (", section.Host(),
                          "): moving this database refuses unless --advanced-settings "
                          "rewrite or keep");
    case Kind::kNamesOtherHost:
      return absl::StrCat(head, " overrides the section's address: the platform connects to ",
                          a.keyword.host.empty() ? a.keyword.value : a.keyword.host);
    case Kind::kFailoverPartner:
      return absl::StrCat(head, " names a failover partner (", a.keyword.host, ")");
    case Kind::kOverridden:
    case Kind::kUnreadable:
      break;
  }
  return absl::StrCat(head, " is overridden by a later keyword of the same kind");
}

}  // namespace

std::vector<AdvancedSettingsFinding> AdvancedSettingsFindings(const HsconfDocument& document) {
  std::vector<AdvancedSettingsFinding> out;
  for (DatabaseId id : kAllDatabases) {
    const DatabaseSection& section = document.section(id);
    for (const AdvancedAddress& a : section.advanced_addresses) {
      const AdvancedSettingsFinding::Kind kind = KindOf(section, a);
      out.push_back({id, kind, FindingText(section, a, kind)});
    }
    for (const std::string& problem : section.advanced_problems) {
      out.push_back({id, AdvancedSettingsFinding::Kind::kUnreadable,
                     absl::StrCat(Label(section), ": ", problem)});
    }
  }
  return out;
}

absl::Status PlanAdvancedSettings(const DatabaseSection& section, absl::string_view old_host,
                                  absl::string_view new_host, AdvancedSettingsChoice choice,
                                  EditResult* result, std::vector<Splice>* splices) {
  if (!section.advanced_problems.empty()) {
    const std::string problems = absl::StrJoin(section.advanced_problems, "; ");
    if (choice != AdvancedSettingsChoice::kKeep) {
      return absl::FailedPreconditionError(
          absl::StrCat(Label(section), ": cannot tell whether its advanced settings name ",
                       old_host, ": ", problems,
                       ". Fix the element, or keep it as it is (advanced_settings KEEP, osctl "
                       "--advanced-settings keep)"));
    }
    result->warnings.push_back(
        absl::StrCat(Label(section), ": kept unread (--advanced-settings keep): ", problems));
  }
  const bool moving = !old_host.empty() && !SameHost(old_host, new_host);
  std::vector<std::string> refused;
  for (const AdvancedAddress& a : section.advanced_addresses) {
    if (!moving || !SameHost(a.keyword.host, old_host)) {
      WarnOther(section, a, result);
      continue;
    }
    switch (choice) {
      case AdvancedSettingsChoice::kRefuse:
        refused.push_back(Named(a));
        break;
      case AdvancedSettingsChoice::kRewrite:
        result->changes.push_back({section.id, a.element, a.keyword.value,
                                   WithNewHost(a.keyword, new_host), a.keyword.keyword});
        splices->push_back({a.file_begin, a.file_end, EscapeXml(new_host)});
        break;
      case AdvancedSettingsChoice::kKeep:
        result->warnings.push_back(
            absl::StrCat(Label(section), ": kept (--advanced-settings keep): ", Named(a),
                         " still names ", old_host,
                         a.keyword.failover_partner ? " (its failover partner)"
                                                    : ", and overrides the section's address"));
        break;
    }
  }
  if (!refused.empty()) return Refusal(section, old_host, new_host, refused);
  return absl::OkStatus();
}

}  // namespace osfleet
