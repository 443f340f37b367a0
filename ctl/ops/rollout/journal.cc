#include "ctl/ops/rollout/journal.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"
#include "common/platform/owner_only.h"
#include "common/platform/path_join.h"
#include "common/text/json_util.h"
#include "ctl/ops/rollout/journal_check.h"
#include "ctl/output/exit_code.h"

namespace osfleet::ctl {
namespace {

using nlohmann::json;

template <typename Enum, size_t N>
bool FromName(absl::string_view name, const char* const (&names)[N], Enum& out) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

constexpr const char* kHostStates[] = {"planned",   "applying", "pending",
                                       "confirmed", "failed",   "rolled_back"};
constexpr const char* kPhases[] = {"planned", "applying", "confirming", "service_center",
                                   "done",    "stopped",  "rolled_back"};

json HostToJson(const HostRecord& h) {
  return {{"name", h.name},
          {"role", h.role},
          {"address", h.address},
          {"batch", h.batch},
          {"old_revision", h.old_revision},
          {"old_addresses", h.old_addresses},
          {"new_revision", h.new_revision},
          {"change_id", h.change_id},
          {"backup_id", h.backup_id},
          {"state", HostStateName(h.state)},
          {"error", h.error},
          {"restart_seconds", h.restart_seconds},
          {"configuration_tool", h.configuration_tool},
          {"configuration_tool_output", h.configuration_tool_output},
          {"warnings", h.warnings}};
}

json OptionsToJson(const RolloutOptions& o) {
  return {{"platform", o.platform},
          {"log", o.log},
          {"session", o.session},
          {"batch", o.batch},
          {"canary", o.canary},
          {"max_fail", o.max_fail},
          {"confirm_timeout", o.confirm_timeout},
          {"lease", o.lease},
          {"on_failure", o.on_failure},
          {"advanced_settings", o.advanced_settings},
          {"skip_service_center", o.skip_service_center},
          {"install_service_center", o.install_service_center},
          {"allow_different_server", o.allow_different_server}};
}

std::string Iso(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

json DrainServerToJson(const DrainServer& s) {
  json connections = json::array();
  for (const DrainConnection& c : s.connections) {
    connections.push_back(
        {{"pid", c.pid}, {"process", c.process}, {"local", c.local}, {"remote", c.remote}});
  }
  return {{"name", s.name},
          {"error", s.error},
          {"count", s.count},
          {"connections", connections},
          {"shared", s.shared}};
}

// The last drain check; null when none ran.
json DrainToJson(const DrainCheck& d) {
  if (d.checked == absl::InfinitePast()) return nullptr;
  json addresses = json::array();
  for (const DrainAddress& a : d.addresses) {
    json servers = json::array();
    for (const DrainServer& s : a.servers) servers.push_back(DrainServerToJson(s));
    addresses.push_back({{"database", a.database},
                         {"address", a.address},
                         {"endpoints", a.endpoints},
                         {"shared", a.shared},
                         {"shared_with", a.shared_with},
                         {"named_by", a.named_by},
                         {"servers", servers},
                         {"retire", a.retire},
                         {"reason", a.reason}});
  }
  return {{"checked", Iso(d.checked)},
          {"checked_unix_ms", absl::ToUnixMillis(d.checked)},
          {"waited", d.waited},
          {"addresses", addresses}};
}

}  // namespace

const char* HostStateName(HostState state) { return kHostStates[static_cast<int>(state)]; }
const char* RolloutPhaseName(RolloutPhase phase) { return kPhases[static_cast<int>(phase)]; }

bool ParseHostState(absl::string_view name, HostState& out) {
  return FromName(name, kHostStates, out);
}
bool ParseRolloutPhase(absl::string_view name, RolloutPhase& out) {
  return FromName(name, kPhases, out);
}

HostRecord* Journal::Find(const std::string& name) {
  for (HostRecord& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

Journal NewJournal() {
  absl::BitGen gen;
  Journal j;
  j.created = absl::Now();
  j.id =
      absl::StrFormat("%s-%04x", absl::FormatTime("%Y%m%d-%H%M%S", j.created, absl::UTCTimeZone()),
                      absl::Uniform<uint32_t>(gen, 0, 0x10000));
  // No folder (Windows without LocalAppData): no path; SaveJournal says why.
  if (const std::string dir = RolloutDir(); !dir.empty()) {
    j.path = platform::JoinPath(dir, absl::StrCat(j.id, ".json"));
  }
  return j;
}

absl::Status SaveJournal(Journal& journal) {
  journal.updated = absl::Now();
  json hosts = json::array();
  for (const HostRecord& h : journal.hosts) hosts.push_back(HostToJson(h));
  const json doc = {{"id", journal.id},
                    {"inventory", journal.inventory},
                    {"ca_fingerprint", journal.ca_fingerprint},
                    {"created", Iso(journal.created)},
                    {"created_unix_ms", absl::ToUnixMillis(journal.created)},
                    {"updated", Iso(journal.updated)},
                    {"updated_unix_ms", absl::ToUnixMillis(journal.updated)},
                    {"options", OptionsToJson(journal.options)},
                    {"phase", RolloutPhaseName(journal.phase)},
                    {"batches", journal.batches},
                    {"hosts", hosts},
                    {"service_center", journal.service_center},
                    {"note", journal.note},
                    {"drain", DrainToJson(journal.drain)}};
  if (journal.path.empty()) return FindRolloutDir().status();
  if (const std::string folder = FolderOf(journal.path); folder != ".") {
    if (absl::Status s = MakeDirs(folder, 0700); !s.ok()) return s;
    // Refused now rather than at the resume that would refuse to read it.
    if (absl::Status s = CheckJournalPrivate(folder, /*folder=*/true); !s.ok()) return s;
  }
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  return WriteFileAtomically(journal.path, DumpJson(doc, 2) + "\n", options);
}

absl::Status CheckJournalPrivate(const std::string& path, bool folder) {
  platform::Result<std::string> problem = platform::OwnerOnlyProblem(path);
  if (!problem.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("rollout journal: ", problem.error().Message()));
  }
  if (problem->empty()) return absl::OkStatus();
  return MarkRefused(absl::FailedPreconditionError(absl::StrCat(
      folder ? "the rollouts folder " : "the rollout journal ", path, ": ", *problem,
      "; a journal decides which servers are changed and how, so it is kept like a secret "
      "(only you may read or write it); if you did not loosen it yourself, look at what "
      "changed in it before using it; then run: ",
      platform::MakeOwnerOnlyCommand(path, folder))));
}

absl::StatusOr<Journal> LoadJournalFile(const std::string& path) {
  const std::string folder = FolderOf(path);
  // The folder first: whoever may write in it may replace the file.
  if (folder == RolloutDir()) {
    if (absl::Status s = CheckJournalPrivate(folder, /*folder=*/true); !s.ok()) return s;
  }
  if (absl::Status s = CheckJournalPrivate(path, /*folder=*/false); !s.ok()) return s;
  absl::StatusOr<std::string> text = ReadFileCapped(path, kMaxJournalBytes);
  if (!text.ok()) return text.status();
  return ParseJournal(*text, path);
}

absl::StatusOr<Journal> LoadJournal(const std::string& id) {
  if (IsJournalPath(id)) return LoadJournalFile(id);
  absl::StatusOr<std::string> found = FindRolloutDir();
  if (!found.ok()) return found.status();
  const std::string& dir = *found;
  if (!id.empty()) return LoadJournalFile(platform::JoinPath(dir, absl::StrCat(id, ".json")));
  std::vector<std::string> names;
  if (platform::Result<std::vector<std::string>> all = platform::ListFolder(dir); all.ok()) {
    for (const std::string& name : *all) {
      if (absl::EndsWith(name, ".json")) names.push_back(name);
    }
  }
  if (names.empty()) return absl::NotFoundError(absl::StrCat("no rollout journal in ", dir));
  // Ids start with the UTC second ("20261127-020301-"), then a random part: among the
  // journals of the newest second, the one created last (a declined plan and the apply
  // that follows it can share a second).
  std::sort(names.begin(), names.end());
  const std::string second = names.back().substr(0, 16);
  absl::StatusOr<Journal> newest = LoadJournalFile(platform::JoinPath(dir, names.back()));
  for (auto it = names.rbegin() + 1; it != names.rend() && absl::StartsWith(*it, second); ++it) {
    absl::StatusOr<Journal> other = LoadJournalFile(platform::JoinPath(dir, *it));
    if (other.ok() && (!newest.ok() || other->created > newest->created)) newest = std::move(other);
  }
  return newest;
}

}  // namespace osfleet::ctl
