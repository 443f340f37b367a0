// ApplyEdits: validate new addresses and splice them into the original bytes.
#include <array>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/model/hsconf.h"
#include "common/model/hsconf_internal.h"

namespace osfleet {

std::string EscapeXml(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string SectionLabel(DatabaseId id) { return absl::StrCat(ShortName(id), " database"); }

absl::Status WithPrefix(const absl::Status& status, absl::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, ": ", status.message()));
}

// One element's new text, as an edit plans it.
struct NewText {
  const AddressElement* element;
  std::string text;
};

absl::Status CheckEditable(const DatabaseSection& section) {
  const std::string label = SectionLabel(section.id);
  if (section.encrypted) {
    return absl::FailedPreconditionError(
        absl::StrCat(label, ": the address in ", SectionName(section.id),
                     " is encrypted (encrypted=\"true\"); set it with the Configuration Tool"));
  }
  if (section.provider == DbProvider::kOracle &&
      section.oracle_naming == OracleNamingType::kTnsName) {
    return absl::FailedPreconditionError(
        absl::StrCat(label, ": ", SectionName(section.id), " names its database by TNS alias ",
                     Quote(section.tns_alias), "; the address lives in tnsnames.ora under alias ",
                     Quote(section.tns_alias), ": change it there"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NewText>> PlanSqlServer(const DatabaseSection& section,
                                                   absl::string_view address) {
  const std::string label = SectionLabel(section.id);
  absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(address);
  if (!parsed.ok()) {
    if (ParseOracleAddress(address).ok()) {
      return absl::FailedPreconditionError(absl::StrCat(label, ": ", SectionName(section.id),
                                                        " is a SQL Server database; ",
                                                        Quote(address), " is an Oracle address"));
    }
    return WithPrefix(parsed.status(), label);
  }
  return std::vector<NewText>{{section.Element("Server"), FormatSqlServerAddress(*parsed)}};
}

absl::StatusOr<std::vector<NewText>> PlanOracle(const DatabaseSection& section,
                                                absl::string_view address) {
  const std::string label = SectionLabel(section.id);
  absl::StatusOr<OracleAddress> parsed = ParseOracleAddress(address);
  if (!parsed.ok()) {
    if (absl::StartsWithIgnoreCase(address, "tns:") || ParseSqlServerAddress(address).ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          label, ": ", SectionName(section.id), " is an Oracle database named by service; ",
          Quote(address), " is not of the form host[:port]/service_name"));
    }
    return WithPrefix(parsed.status(), label);
  }
  return std::vector<NewText>{{section.Element("Host"), parsed->host},
                              {section.Element("Port"), absl::StrCat(parsed->port)},
                              {section.Element("ServiceName"), parsed->service_name}};
}

Splice MakeSplice(const AddressElement& element, absl::string_view new_text) {
  std::string escaped = EscapeXml(new_text);
  if (element.self_closing) escaped = absl::StrCat(">", escaped, "</", element.name, ">");
  return Splice{element.content_begin, element.content_end, std::move(escaped)};
}

// The host a planned edit moves the section to.
std::string NewHost(const DatabaseSection& section, const EndpointEdit& edit,
                    const std::vector<NewText>& plan) {
  if (section.provider == DbProvider::kOracle) return plan[0].text;
  absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(edit.address);
  return parsed.ok() ? parsed->host : std::string(LooseSqlServerHost(edit.address));
}

// Plans one edit: appends its changes, splices and warnings.
absl::Status PlanEdit(const HsconfDocument& document, const EndpointEdit& edit,
                      AdvancedSettingsChoice advanced, EditResult* result,
                      std::vector<Splice>* splices) {
  const DatabaseSection& section = document.section(edit.database);
  if (absl::Status s = CheckEditable(section); !s.ok()) return s;
  absl::StatusOr<std::vector<NewText>> plan = section.provider == DbProvider::kSqlServer
                                                  ? PlanSqlServer(section, edit.address)
                                                  : PlanOracle(section, edit.address);
  if (!plan.ok()) return plan.status();
  for (const NewText& item : *plan) {
    if (item.element->text == item.text) continue;
    result->changes.push_back(
        {edit.database, item.element->name, item.element->text, item.text, ""});
    splices->push_back(MakeSplice(*item.element, item.text));
  }
  if (IsLoopbackHost(section.provider == DbProvider::kSqlServer
                         ? LooseSqlServerHost(edit.address)
                         : absl::string_view((*plan)[0].text))) {
    result->warnings.push_back(absl::StrCat(
        SectionLabel(edit.database), ": ", edit.address,
        " is a loopback address; other servers of a multi-server farm cannot reach it"));
  }
  return PlanAdvancedSettings(section, section.Host(), NewHost(section, edit, *plan), advanced,
                              result, splices);
}

std::string ApplySplices(std::string bytes, std::vector<Splice> splices) {
  std::sort(splices.begin(), splices.end(),
            [](const Splice& a, const Splice& b) { return a.begin > b.begin; });
  for (const Splice& splice : splices) {
    bytes.replace(splice.begin, splice.end - splice.begin, splice.text);
  }
  return bytes;
}

// Proves the edited bytes still parse and now hold the new texts.
absl::Status VerifyEdited(const EditResult& result) {
  absl::StatusOr<HsconfDocument> reparsed = ParseHsconf(result.bytes);
  if (!reparsed.ok()) {
    return absl::InternalError(
        absl::StrCat("the edited server.hsconf does not parse: ", reparsed.status().message()));
  }
  for (const FieldChange& change : result.changes) {
    if (!change.keyword.empty()) continue;  // inside an advanced-settings element
    const AddressElement* element = reparsed->section(change.database).Element(change.element);
    if (element == nullptr || element->text != change.new_value) {
      return absl::InternalError(absl::StrCat("the edited server.hsconf does not hold <",
                                              change.element, "> ", Quote(change.new_value)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EditResult> ApplyEdits(const HsconfDocument& document,
                                      absl::Span<const EndpointEdit> edits,
                                      AdvancedSettingsChoice advanced) {
  EditResult result;
  std::vector<Splice> splices;
  std::array<bool, kAllDatabases.size()> seen{};
  for (const EndpointEdit& edit : edits) {
    bool& was_seen = seen[static_cast<size_t>(edit.database)];
    if (was_seen) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", SectionLabel(edit.database), " is edited more than once"));
    }
    was_seen = true;
    if (absl::Status s = PlanEdit(document, edit, advanced, &result, &splices); !s.ok()) {
      return s;
    }
  }
  if (splices.empty()) {
    result.bytes = document.bytes;
    return result;
  }
  result.bytes = ApplySplices(document.bytes, std::move(splices));
  if (absl::Status s = VerifyEdited(result); !s.ok()) return s;
  return result;
}

}  // namespace osfleet
