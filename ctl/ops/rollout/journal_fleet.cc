#include "ctl/ops/rollout/journal_fleet.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/role.h"
#include "common/io/atomic_file.h"
#include "common/model/revision.h"
#include "common/text/escape.h"

namespace osfleet::ctl {
namespace {

constexpr size_t kMaxCaBytes = 1 << 20;  // as LoadPem reads it

// Journal text in an error message: control characters shown as escapes.
std::string Shown(const std::string& text) { return EscapeControls(text); }

void CompareNames(const Journal& journal, const std::vector<Server>& servers,
                  FleetComparison& out) {
  std::set<std::string> in_journal, in_inventory;
  for (const HostRecord& h : journal.hosts) in_journal.insert(h.name);
  for (const Server& s : servers) in_inventory.insert(s.name);
  std::vector<std::string> missing, extra;
  for (const std::string& name : in_journal) {
    if (in_inventory.count(name) == 0) missing.push_back(Shown(name));
  }
  for (const std::string& name : in_inventory) {
    if (in_journal.count(name) == 0) extra.push_back(name);
  }
  if (!missing.empty()) {
    out.differences.push_back(absl::StrCat("servers in the journal but not in the inventory: ",
                                           absl::StrJoin(missing, ", ")));
  }
  if (!extra.empty()) {
    out.differences.push_back(absl::StrCat("servers in the inventory but not in the journal: ",
                                           absl::StrJoin(extra, ", ")));
  }
}

void CompareServers(const Journal& journal, const std::vector<Server>& servers,
                    FleetComparison& out) {
  std::map<std::string, const Server*> by_name;
  for (const Server& s : servers) by_name[s.name] = &s;
  bool addresses_recorded = true;
  for (const HostRecord& h : journal.hosts) {
    auto it = by_name.find(h.name);
    if (it == by_name.end()) continue;
    const Server& s = *it->second;
    if (h.role != RoleName(s.role)) {
      out.differences.push_back(absl::StrCat(h.name, ": journal says ", Shown(h.role),
                                             ", inventory says ", RoleName(s.role)));
    }
    if (h.address.empty()) {
      addresses_recorded = false;
    } else if (h.address != s.Target()) {
      out.differences.push_back(absl::StrCat(h.name, ": journal says ", Shown(h.address),
                                             ", inventory says ", s.Target()));
    }
  }
  if (!addresses_recorded) {
    out.notes.push_back(
        "the journal does not record its servers' addresses (written by an older osctl): "
        "only their names and roles were compared with the inventory");
  }
}

void CompareCa(const Journal& journal, const std::string& ca_fingerprint, FleetComparison& out) {
  if (journal.ca_fingerprint.empty()) {
    out.notes.push_back(
        "the journal does not record the CA its rollout trusted (written by an older osctl): "
        "the CA was not compared");
  } else if (journal.ca_fingerprint != ca_fingerprint) {
    out.differences.push_back(absl::StrCat("CA: journal says ", Shown(journal.ca_fingerprint),
                                           ", osctl now trusts ", ca_fingerprint));
  }
}

}  // namespace

std::string CaFingerprint(const ConnectionOptions& connection) {
  if (connection.insecure) return "none (plaintext, --insecure)";
  absl::StatusOr<std::string> pem = ReadFileCapped(connection.tls.ca, kMaxCaBytes);
  if (!pem.ok()) {
    return absl::StrCat("unreadable CA file ", connection.tls.ca, ": ", pem.status().message());
  }
  std::string compact;
  for (char c : *pem) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  return absl::StrCat("sha256:", Sha256Hex(compact));
}

void RecordFleet(Journal& journal, const FleetContext& ctx) {
  journal.ca_fingerprint = CaFingerprint(ctx.connection());
  for (HostRecord& h : journal.hosts) {
    for (const Server& s : ctx.servers()) {
      if (s.name == h.name) h.address = s.Target();
    }
  }
}

FleetComparison CompareWithFleet(const Journal& journal, const std::vector<Server>& servers,
                                 const std::string& ca_fingerprint) {
  FleetComparison out;
  CompareNames(journal, servers, out);
  CompareServers(journal, servers, out);
  CompareCa(journal, ca_fingerprint, out);
  return out;
}

absl::Status CheckJournalMatchesFleet(const Journal& journal, const FleetContext& ctx,
                                      const std::string& inventory_path) {
  const FleetComparison c =
      CompareWithFleet(journal, ctx.servers(), CaFingerprint(ctx.connection()));
  if (c.matches()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "rollout ", journal.id, " (", journal.path, ") does not match the inventory ", inventory_path,
      ": ", absl::StrJoin(c.differences, "; "),
      ". A journal is a record, not authority: osctl works on the servers of your inventory "
      "only, with its addresses and CA; nothing was asked or changed. Use the inventory this "
      "rollout ran with, or look at who changed the journal"));
}

}  // namespace osfleet::ctl
