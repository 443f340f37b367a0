#include "ctl/ops/rollout/journal_check.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api/request_limits.h"
#include "common/api/role.h"
#include "common/model/address.h"
#include "common/model/host_port.h"
#include "common/text/utf8.h"
#include "common/time/duration.h"
#include "ctl/ops/rollout/batches.h"

namespace osfleet::ctl {
namespace {

using nlohmann::json;

const char* TypeName(const json& value) { return value.type_name(); }

// Reads the members of JSON objects into a journal, keeping the first problem: each
// reader leaves its output as it was (the default) when the member is missing, and
// records "FIELD: ..." when it has the wrong type or is out of bounds. `prefix` names the
// object ("hosts[2].").
// What is wrong with a value that must be a string of at most max_bytes; empty when fine.
std::string TextProblem(const json& value, size_t max_bytes) {
  if (!value.is_string()) return absl::StrCat("expected a string, got ", TypeName(value));
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return absl::StrCat(text.size(), " bytes, at most ", max_bytes, " allowed");
  }
  // The parser refuses raw bytes that are not UTF-8; this guards what escapes decode to.
  if (!IsValidUtf8(text)) return "not valid UTF-8";
  return "";
}

class FieldReader {
 public:
  explicit FieldReader(std::string prefix) : prefix_(std::move(prefix)) {}

  void String(const json& object, const char* key, size_t max_bytes, std::string& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    if (const std::string why = TextProblem(*value, max_bytes); !why.empty()) return Fail(key, why);
    out = value->get<std::string>();
  }

  void Int(const json& object, const char* key, int64_t min, int64_t max, int& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    if (!value->is_number_integer()) {
      return Fail(key, absl::StrCat("expected a whole number, got ", TypeName(*value)));
    }
    // Compared as written: a huge unsigned number must not wrap to a small or negative one.
    // (A non-negative number parses as unsigned.)
    const bool in_range =
        value->is_number_unsigned()
            ? value->get<uint64_t>() <= static_cast<uint64_t>(max) &&
                  (min <= 0 || value->get<uint64_t>() >= static_cast<uint64_t>(min))
            : value->get<int64_t>() >= min && value->get<int64_t>() <= max;
    if (!in_range) {
      return Fail(key, absl::StrCat(value->dump(), " is outside ", min, "..", max, Why()));
    }
    out = static_cast<int>(value->get<int64_t>());
    why_.clear();
  }

  void Millis(const json& object, const char* key, absl::Time& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    const bool in_range = value->is_number_unsigned()
                              ? value->get<uint64_t>() <= static_cast<uint64_t>(kMaxUnixMillis)
                              : value->is_number_integer() && value->get<int64_t>() >= 0;
    if (!in_range) {
      return Fail(key, absl::StrCat(value->dump(),
                                    " is not a time in milliseconds between 1970 "
                                    "and 2200"));
    }
    out = absl::FromUnixMillis(value->get<int64_t>());
  }

  void Double(const json& object, const char* key, double min, double max, double& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    if (!value->is_number()) {
      return Fail(key, absl::StrCat("expected a number, got ", TypeName(*value)));
    }
    const double d = value->get<double>();
    if (!std::isfinite(d) || d < min || d > max) {
      return Fail(key, absl::StrCat(value->dump(), " is outside ", min, "..", max));
    }
    out = d;
  }

  void Bool(const json& object, const char* key, bool& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    if (!value->is_boolean()) {
      return Fail(key, absl::StrCat("expected true or false, got ", TypeName(*value)));
    }
    out = value->get<bool>();
  }

  void Strings(const json& object, const char* key, size_t max_items, size_t max_bytes,
               std::vector<std::string>& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    if (!value->is_array()) {
      return Fail(key, absl::StrCat("expected a list, got ", TypeName(*value)));
    }
    if (value->size() > max_items) {
      return Fail(key, absl::StrCat(value->size(), " entries, at most ", max_items, " allowed"));
    }
    for (size_t i = 0; i < value->size(); ++i) {
      if (const std::string why = TextProblem((*value)[i], max_bytes); !why.empty()) {
        return Fail(absl::StrCat(key, "[", i, "]"), why);
      }
      out.push_back((*value)[i].get<std::string>());
    }
  }

  // A map of database name (platform, log, session) to address.
  void Addresses(const json& object, const char* key, std::map<std::string, std::string>& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return;
    if (!value->is_object()) {
      return Fail(key, absl::StrCat("expected an object, got ", TypeName(*value)));
    }
    for (const auto& [name, address] : value->items()) {
      if (name != "platform" && name != "log" && name != "session") {
        return Fail(key, absl::StrCat("'", name, "' is not a database (platform, log, session)"));
      }
      FieldReader inner(absl::StrCat(prefix_, key, "."));
      std::string text;
      inner.String(*value, name.c_str(), kMaxJournalAddressBytes, text);
      if (!inner.ok()) return Fail("", std::string(inner.problem_text()));
      out[name] = std::move(text);
    }
  }

  // Records a problem found by the caller with member `key` (empty: `why` is complete).
  void Fail(absl::string_view key, absl::string_view why) {
    if (!ok()) return;
    problem_ = key.empty() ? std::string(why) : absl::StrCat(prefix_, key, ": ", why);
  }
  // The reason of the next out-of-bounds Int ("(at most one batch per server)").
  void set_why(std::string why) { why_ = std::move(why); }

  bool ok() const { return problem_.empty(); }
  absl::string_view problem_text() const { return problem_; }
  const std::string& prefix() const { return prefix_; }

 private:
  static constexpr int64_t kMaxUnixMillis = 7258118400000;  // 2200-01-01

  const json* Member(const json& object, const char* key) {
    if (!ok() || !object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }
  std::string Why() {
    std::string why = why_.empty() ? "" : absl::StrCat(" (", why_, ")");
    why_.clear();
    return why;
  }

  std::string prefix_;
  std::string problem_;
  std::string why_;
};

void ReadOptions(const json& doc, FieldReader& root, RolloutOptions& o) {
  const auto it = doc.find("options");
  if (it == doc.end()) return;
  if (!it->is_object()) {
    return root.Fail("options", absl::StrCat("expected an object, got ", TypeName(*it)));
  }
  FieldReader r("options.");
  r.String(*it, "platform", kMaxJournalAddressBytes, o.platform);
  r.String(*it, "log", kMaxJournalAddressBytes, o.log);
  r.String(*it, "session", kMaxJournalAddressBytes, o.session);
  r.String(*it, "batch", 16, o.batch);
  r.Int(*it, "canary", 0, kMaxJournalHosts, o.canary);
  r.String(*it, "max_fail", 16, o.max_fail);
  r.String(*it, "confirm_timeout", 32, o.confirm_timeout);
  // A journal written before leases existed: its rollout ran with the window alone.
  o.lease = "0s";
  r.String(*it, "lease", 32, o.lease);
  r.String(*it, "on_failure", 16, o.on_failure);
  r.String(*it, "advanced_settings", 16, o.advanced_settings);
  r.Bool(*it, "skip_service_center", o.skip_service_center);
  r.Bool(*it, "install_service_center", o.install_service_center);
  r.Bool(*it, "allow_different_server", o.allow_different_server);
  if (!r.ok()) root.Fail("", std::string(r.problem_text()));
}

void ReadHost(const json& item, size_t index, int batches, FieldReader& root, HostRecord& h) {
  FieldReader r(absl::StrCat("hosts[", index, "]."));
  if (!item.is_object()) {
    return root.Fail("",
                     absl::StrCat("hosts[", index, "]: expected an object, got ", TypeName(item)));
  }
  r.String(item, "name", kMaxNameBytes, h.name);
  r.String(item, "role", 32, h.role);
  r.String(item, "address", kMaxJournalAddressBytes, h.address);
  r.set_why(absl::StrCat("a batch of the journal's ", batches, " batches, counted from 0"));
  h.batch = -1;
  r.Int(item, "batch", 0, std::max(batches - 1, 0), h.batch);
  r.String(item, "old_revision", kMaxIdBytes, h.old_revision);
  r.Addresses(item, "old_addresses", h.old_addresses);
  r.String(item, "new_revision", kMaxIdBytes, h.new_revision);
  r.String(item, "change_id", kMaxIdBytes, h.change_id);
  r.String(item, "backup_id", kMaxIdBytes, h.backup_id);
  std::string state = HostStateName(HostState::kPlanned);
  r.String(item, "state", 32, state);
  r.String(item, "error", kMaxJournalTextBytes, h.error);
  r.Double(item, "restart_seconds", 0, 1e9, h.restart_seconds);
  r.String(item, "configuration_tool", kMaxJournalTextBytes, h.configuration_tool);
  r.String(item, "configuration_tool_output", kMaxJournalTextBytes, h.configuration_tool_output);
  r.Strings(item, "warnings", kMaxJournalWarnings, kMaxJournalTextBytes, h.warnings);
  if (r.ok() && h.name.empty()) r.Fail("name", "missing or empty");
  if (r.ok() && h.batch < 0) r.Fail("batch", "missing");
  if (r.ok() && h.role != RoleName(v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER) &&
      h.role != RoleName(v1::SERVER_ROLE_FRONT_END)) {
    r.Fail("role", absl::StrCat("'", h.role, "' is not deployment_controller or front_end"));
  }
  if (r.ok() && !ParseHostState(state, h.state)) {
    r.Fail("state", absl::StrCat("'", state,
                                 "' is not a server state (planned, applying, "
                                 "pending, confirmed, failed, rolled_back)"));
  }
  if (r.ok() && !h.address.empty()) {
    if (absl::StatusOr<HostPort> a = ParseHostPort(h.address, "address"); !a.ok()) {
      r.Fail("address", a.status().message());
    }
  }
  if (!r.ok()) root.Fail("", std::string(r.problem_text()));
}

// The last drain check (journal.h DrainCheck): bounded like the rest; absent or null in a
// journal from before it, or one whose rollout never finished.
constexpr size_t kMaxDrainAddresses = 64;
constexpr size_t kMaxDrainEndpoints = 64;
constexpr int kMaxDrainCount = 1 << 20;

void ReadDrainServer(const json& item, const std::string& prefix, FieldReader& root,
                     DrainServer& s) {
  FieldReader r(prefix);
  if (!item.is_object()) {
    return root.Fail("", absl::StrCat(absl::StripSuffix(prefix, "."), ": expected an object, got ",
                                      TypeName(item)));
  }
  r.String(item, "name", kMaxNameBytes, s.name);
  r.String(item, "error", kMaxJournalTextBytes, s.error);
  r.Int(item, "count", 0, kMaxDrainCount, s.count);
  r.Int(item, "shared", 0, kMaxDrainCount, s.shared);
  const auto it = item.find("connections");
  if (r.ok() && it != item.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > kMaxDrainConnectionsKept) {
      r.Fail("connections",
             absl::StrCat("expected a list of at most ", kMaxDrainConnectionsKept, " connections"));
    }
    for (size_t i = 0; r.ok() && it->is_array() && i < it->size(); ++i) {
      FieldReader c(absl::StrCat(prefix, "connections[", i, "]."));
      DrainConnection conn;
      int pid = 0;
      c.Int((*it)[i], "pid", 0, std::numeric_limits<int32_t>::max(), pid);
      conn.pid = static_cast<uint32_t>(pid);
      c.String((*it)[i], "process", kMaxNameBytes, conn.process);
      c.String((*it)[i], "local", kMaxJournalAddressBytes, conn.local);
      c.String((*it)[i], "remote", kMaxJournalAddressBytes, conn.remote);
      if (!c.ok()) r.Fail("", std::string(c.problem_text()));
      s.connections.push_back(std::move(conn));
    }
  }
  if (!r.ok()) root.Fail("", std::string(r.problem_text()));
}

void ReadDrainAddress(const json& item, size_t index, FieldReader& root, DrainAddress& a) {
  const std::string prefix = absl::StrCat("drain.addresses[", index, "].");
  FieldReader r(prefix);
  if (!item.is_object()) {
    return root.Fail("", absl::StrCat(absl::StripSuffix(prefix, "."), ": expected an object, got ",
                                      TypeName(item)));
  }
  r.String(item, "database", 16, a.database);
  r.String(item, "address", kMaxJournalAddressBytes, a.address);
  r.Strings(item, "endpoints", kMaxDrainEndpoints, kMaxJournalAddressBytes, a.endpoints);
  r.Strings(item, "shared", kMaxDrainEndpoints, kMaxJournalAddressBytes, a.shared);
  r.String(item, "shared_with", kMaxJournalAddressBytes, a.shared_with);
  r.String(item, "named_by", kMaxJournalTextBytes, a.named_by);
  r.Bool(item, "retire", a.retire);
  r.String(item, "reason", kMaxJournalTextBytes, a.reason);
  const auto it = item.find("servers");
  if (r.ok() && it != item.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > kMaxJournalHosts) {
      r.Fail("servers", absl::StrCat("expected a list of at most ", kMaxJournalHosts, " servers"));
    }
    for (size_t i = 0; r.ok() && it->is_array() && i < it->size(); ++i) {
      DrainServer s;
      ReadDrainServer((*it)[i], absl::StrCat(prefix, "servers[", i, "]."), r, s);
      a.servers.push_back(std::move(s));
    }
  }
  if (!r.ok()) root.Fail("", std::string(r.problem_text()));
}

void ReadDrain(const json& doc, FieldReader& root, DrainCheck& d) {
  const auto it = doc.find("drain");
  if (it == doc.end() || it->is_null()) return;
  if (!it->is_object()) {
    return root.Fail("drain", absl::StrCat("expected an object, got ", TypeName(*it)));
  }
  FieldReader r("drain.");
  r.Millis(*it, "checked_unix_ms", d.checked);
  r.String(*it, "waited", 64, d.waited);
  const auto list = it->find("addresses");
  if (r.ok() && list != it->end() && !list->is_null()) {
    if (!list->is_array() || list->size() > kMaxDrainAddresses) {
      r.Fail("addresses",
             absl::StrCat("expected a list of at most ", kMaxDrainAddresses, " addresses"));
    }
    for (size_t i = 0; r.ok() && list->is_array() && i < list->size(); ++i) {
      DrainAddress a;
      ReadDrainAddress((*list)[i], i, r, a);
      d.addresses.push_back(std::move(a));
    }
  }
  if (!r.ok()) root.Fail("", std::string(r.problem_text()));
}

// The options' texts parse as their flags do, within the agents' request limits.
absl::Status CheckOptions(const RolloutOptions& o, int hosts) {
  if (o.platform.empty() && o.log.empty() && o.session.empty()) {
    return absl::InvalidArgumentError("options: no new address");
  }
  for (const auto& [field, text] :
       {std::pair<const char*, const std::string&>{"options.platform", o.platform},
        {"options.log", o.log},
        {"options.session", o.session}}) {
    if (text.empty()) continue;
    if (absl::Status s = ValidateDatabaseAddress(text); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", s.message()));
    }
  }
  if (absl::Status s = ParseCount(o.batch, std::max(hosts, 1), "options.batch", false).status();
      !s.ok()) {
    return s;
  }
  absl::StatusOr<int> max_fail = ParseCount(o.max_fail, hosts, "options.max_fail", true);
  if (!max_fail.ok()) return max_fail.status();
  if (*max_fail > hosts) {
    return absl::InvalidArgumentError(
        absl::StrCat("options.max_fail: '", o.max_fail, "' is more than the ", hosts, " servers"));
  }
  absl::StatusOr<absl::Duration> window =
      ParseDuration(o.confirm_timeout, "options.confirm_timeout");
  if (!window.ok()) return window.status();
  if (absl::Status s = CheckDuration("options.confirm_timeout", *window, kConfirmWithinBounds);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Duration> lease = ParseDuration(o.lease, "options.lease");
  if (!lease.ok()) return lease.status();
  if (*lease != absl::ZeroDuration()) {  // zero: a journal from before leases
    if (absl::Status s = CheckDuration("options.lease", *lease, kLeaseBounds); !s.ok()) return s;
    if (*window > absl::ZeroDuration() && *lease > *window) {
      return absl::InvalidArgumentError(absl::StrCat("options.lease: ", o.lease,
                                                     " is longer than options.confirm_timeout ",
                                                     o.confirm_timeout));
    }
  }
  if (o.on_failure != "rollback" && o.on_failure != "keep") {
    return absl::InvalidArgumentError(
        absl::StrCat("options.on_failure: '", o.on_failure, "' is not rollback or keep"));
  }
  if (o.advanced_settings != "refuse" && o.advanced_settings != "rewrite" &&
      o.advanced_settings != "keep") {
    return absl::InvalidArgumentError(absl::StrCat(
        "options.advanced_settings: '", o.advanced_settings, "' is not refuse, rewrite or keep"));
  }
  return absl::OkStatus();
}

bool IsRolloutId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// The fields of the top-level object, then every server's, then what binds them.
absl::Status ReadDocument(const json& doc, Journal& j) {
  if (!doc.is_object()) return absl::InvalidArgumentError("not a rollout journal (not an object)");
  for (const char* key : {"id", "hosts", "batches"}) {
    if (!doc.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("not a rollout journal (no '", key, "')"));
    }
  }
  const json& hosts = doc["hosts"];
  if (!hosts.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("hosts: expected a list, got ", TypeName(hosts)));
  }
  // Checked before anything is sized by it.
  if (hosts.size() > kMaxJournalHosts) {
    return absl::InvalidArgumentError(
        absl::StrCat("hosts: ", hosts.size(), " servers, at most ", kMaxJournalHosts));
  }
  const int host_count = static_cast<int>(hosts.size());
  FieldReader r("");
  r.String(doc, "id", kMaxIdBytes, j.id);
  r.String(doc, "inventory", kMaxJournalPathBytes, j.inventory);
  r.String(doc, "ca_fingerprint", kMaxJournalAddressBytes, j.ca_fingerprint);
  r.Millis(doc, "created_unix_ms", j.created);
  r.Millis(doc, "updated_unix_ms", j.updated);
  ReadOptions(doc, r, j.options);
  std::string phase;
  r.String(doc, "phase", 32, phase);
  r.set_why("at most one batch per server");
  r.Int(doc, "batches", host_count > 0 ? 1 : 0, host_count, j.batches);
  r.String(doc, "service_center", kMaxJournalTextBytes, j.service_center);
  r.String(doc, "note", kMaxJournalTextBytes, j.note);
  ReadDrain(doc, r, j.drain);
  if (r.ok() && !IsRolloutId(j.id)) r.Fail("id", "not a rollout id (letters, digits, '-', '_')");
  if (r.ok() && !ParseRolloutPhase(phase, j.phase)) {
    r.Fail("phase", absl::StrCat("'", phase,
                                 "' is not a rollout phase (planned, applying, "
                                 "confirming, service_center, done, stopped, rolled_back)"));
  }
  std::set<std::string> names;
  j.hosts.reserve(hosts.size());
  for (size_t i = 0; i < hosts.size() && r.ok(); ++i) {
    HostRecord h;
    ReadHost(hosts[i], i, j.batches, r, h);
    if (r.ok() && !names.insert(h.name).second) {
      r.Fail("", absl::StrCat("hosts[", i, "].name: '", h.name, "' appears twice"));
    }
    j.hosts.push_back(std::move(h));
  }
  if (!r.ok()) return absl::InvalidArgumentError(r.problem_text());
  return CheckOptions(j.options, host_count);
}

}  // namespace

absl::StatusOr<Journal> ParseJournal(absl::string_view text, const std::string& path) {
  auto refuse = [&path](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
  };
  if (text.size() > kMaxJournalBytes) {
    return refuse(absl::StrCat(text.size(), " bytes, more than a journal's ", kMaxJournalBytes));
  }
  if (const size_t bad = FirstInvalidUtf8(text); bad != absl::string_view::npos) {
    return refuse(absl::StrCat("not valid UTF-8 (byte ", bad, ")"));
  }
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return refuse("not valid JSON");
  Journal j;
  j.path = path;
  if (absl::Status s = ReadDocument(doc, j); !s.ok()) return refuse(s.message());
  return j;
}

}  // namespace osfleet::ctl
