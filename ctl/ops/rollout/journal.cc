#include "ctl/ops/rollout/journal.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "common/json_util.h"
#include "common/platform/files.h"

namespace osfleet::ctl {
namespace {

using nlohmann::json;

constexpr size_t kMaxJournalBytes = 16 << 20;

template <typename Enum, size_t N>
Enum FromName(const std::string& name, const char* const (&names)[N], Enum fallback) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
  }
  return fallback;
}

constexpr const char* kHostStates[] = {"planned",   "applying", "pending",
                                       "confirmed", "failed",   "rolled_back"};
constexpr const char* kPhases[] = {"planned", "applying", "confirming", "service_center",
                                   "done",    "stopped",  "rolled_back"};

// The strings of an array member; anything else is skipped (a journal is read leniently).
std::vector<std::string> JsonStrings(const json& object, const char* key) {
  std::vector<std::string> out;
  const json array = object.is_object() && object.contains(key) ? object[key] : json();
  if (!array.is_array()) return out;
  for (const json& item : array) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

json HostToJson(const HostRecord& h) {
  return {{"name", h.name},
          {"role", h.role},
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

HostRecord HostFromJson(const json& j) {
  HostRecord h;
  h.name = JsonString(j, "name");
  h.role = JsonString(j, "role");
  h.batch = static_cast<int>(JsonInt(j, "batch"));
  h.old_revision = JsonString(j, "old_revision");
  h.old_addresses = JsonStringMap(j, "old_addresses");
  h.new_revision = JsonString(j, "new_revision");
  h.change_id = JsonString(j, "change_id");
  h.backup_id = JsonString(j, "backup_id");
  h.state = FromName(JsonString(j, "state"), kHostStates, HostState::kPlanned);
  h.error = JsonString(j, "error");
  h.restart_seconds = JsonDouble(j, "restart_seconds");
  h.configuration_tool = JsonString(j, "configuration_tool");
  h.configuration_tool_output = JsonString(j, "configuration_tool_output");
  h.warnings = JsonStrings(j, "warnings");
  return h;
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
          {"install_service_center", o.install_service_center}};
}

RolloutOptions OptionsFromJson(const json& j) {
  RolloutOptions o;
  o.platform = JsonString(j, "platform");
  o.log = JsonString(j, "log");
  o.session = JsonString(j, "session");
  o.batch = JsonString(j, "batch", "25%");
  o.canary = static_cast<int>(JsonInt(j, "canary", 1));
  o.max_fail = JsonString(j, "max_fail", "0");
  o.confirm_timeout = JsonString(j, "confirm_timeout", "10m");
  // A journal written before leases existed: its rollout ran with the window alone.
  o.lease = JsonString(j, "lease", "0s");
  o.on_failure = JsonString(j, "on_failure", "rollback");
  o.advanced_settings = JsonString(j, "advanced_settings", "refuse");
  o.skip_service_center = JsonBool(j, "skip_service_center");
  o.install_service_center = JsonBool(j, "install_service_center");
  return o;
}

std::string Iso(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace

const char* HostStateName(HostState state) { return kHostStates[static_cast<int>(state)]; }
const char* RolloutPhaseName(RolloutPhase phase) { return kPhases[static_cast<int>(phase)]; }

HostRecord* Journal::Find(const std::string& name) {
  for (HostRecord& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

std::string RolloutDir() {
  if (const char* d = std::getenv("OSFLEET_STATE_DIR"); d != nullptr && *d != '\0') {
    return absl::StrCat(d, "/rollouts");
  }
  if (const char* d = std::getenv("XDG_STATE_HOME"); d != nullptr && *d != '\0') {
    return absl::StrCat(d, "/osfleet/rollouts");
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home == nullptr ? "/tmp" : home, "/.local/state/osfleet/rollouts");
}

Journal NewJournal() {
  absl::BitGen gen;
  Journal j;
  j.created = absl::Now();
  j.id =
      absl::StrFormat("%s-%04x", absl::FormatTime("%Y%m%d-%H%M%S", j.created, absl::UTCTimeZone()),
                      absl::Uniform<uint32_t>(gen, 0, 0x10000));
  j.path = absl::StrCat(RolloutDir(), "/", j.id, ".json");
  return j;
}

absl::Status SaveJournal(Journal& journal) {
  journal.updated = absl::Now();
  json hosts = json::array();
  for (const HostRecord& h : journal.hosts) hosts.push_back(HostToJson(h));
  const json doc = {{"id", journal.id},
                    {"inventory", journal.inventory},
                    {"created", Iso(journal.created)},
                    {"created_unix_ms", absl::ToUnixMillis(journal.created)},
                    {"updated", Iso(journal.updated)},
                    {"updated_unix_ms", absl::ToUnixMillis(journal.updated)},
                    {"options", OptionsToJson(journal.options)},
                    {"phase", RolloutPhaseName(journal.phase)},
                    {"batches", journal.batches},
                    {"hosts", hosts},
                    {"service_center", journal.service_center},
                    {"note", journal.note}};
  const size_t slash = journal.path.rfind('/');
  if (slash != std::string::npos) {
    if (absl::Status s = MakeDirs(journal.path.substr(0, slash), 0700); !s.ok()) return s;
  }
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  return WriteFileAtomically(journal.path, DumpJson(doc, 2) + "\n", options);
}

absl::StatusOr<Journal> LoadJournalFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileCapped(path, kMaxJournalBytes);
  if (!text.ok()) return text.status();
  const json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("id") || !doc.contains("hosts") ||
      !doc["hosts"].is_array()) {
    return absl::DataLossError(absl::StrCat(path, ": not a rollout journal"));
  }
  Journal j;
  j.path = path;
  j.id = JsonString(doc, "id");
  j.inventory = JsonString(doc, "inventory");
  j.created = absl::FromUnixMillis(JsonInt(doc, "created_unix_ms"));
  j.updated = absl::FromUnixMillis(JsonInt(doc, "updated_unix_ms"));
  j.options = OptionsFromJson(JsonObject(doc, "options"));
  j.phase = FromName(JsonString(doc, "phase"), kPhases, RolloutPhase::kStopped);
  j.batches = static_cast<int>(JsonInt(doc, "batches"));
  for (const json& h : doc["hosts"]) j.hosts.push_back(HostFromJson(h));
  j.service_center = JsonString(doc, "service_center");
  j.note = JsonString(doc, "note");
  return j;
}

absl::StatusOr<Journal> LoadJournal(const std::string& id) {
  const std::string dir = RolloutDir();
  if (!id.empty()) {
    if (id.find('/') != std::string::npos) return LoadJournalFile(id);
    return LoadJournalFile(absl::StrCat(dir, "/", id, ".json"));
  }
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
  absl::StatusOr<Journal> newest = LoadJournalFile(absl::StrCat(dir, "/", names.back()));
  for (auto it = names.rbegin() + 1; it != names.rend() && absl::StartsWith(*it, second); ++it) {
    absl::StatusOr<Journal> other = LoadJournalFile(absl::StrCat(dir, "/", *it));
    if (other.ok() && (!newest.ok() || other->created > newest->created)) newest = std::move(other);
  }
  return newest;
}

}  // namespace osfleet::ctl
