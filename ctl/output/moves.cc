#include "ctl/output/moves.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text/escape.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/output/describe.h"

namespace osfleet::ctl {
namespace {

constexpr const char* kArrowText = "→";

void AddOnce(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

std::string Capitalized(std::string word) {
  if (!word.empty()) word[0] = absl::ascii_toupper(static_cast<unsigned char>(word[0]));
  return word;
}

bool Done(HostState s) { return s == HostState::kConfirmed || s == HostState::kPending; }

std::string BatchList(const std::set<int>& batches) {
  std::vector<std::string> numbers;
  for (int b : batches) numbers.push_back(std::to_string(b + 1));
  return absl::StrCat(batches.size() == 1 ? "batch " : "batches ", absl::StrJoin(numbers, ", "));
}

}  // namespace

std::vector<DatabaseMove> MovesOf(const Journal& journal) {
  const RolloutOptions& o = journal.options;
  std::vector<DatabaseMove> moves;
  for (const v1::EndpointChange& c : EndpointChanges({o.platform, o.log, o.session})) {
    DatabaseMove m{DatabaseName(c.database()), {}, c.address()};
    for (const HostRecord& h : journal.hosts) {
      auto it = h.old_addresses.find(m.database);
      if (it != h.old_addresses.end()) AddOnce(m.from, it->second);
    }
    moves.push_back(std::move(m));
  }
  return moves;
}

std::vector<DatabaseMove> MovesOf(const std::vector<v1::EndpointChange>& changes,
                                  const std::vector<HostReply<v1::GetEndpointsResponse>>& now) {
  std::vector<DatabaseMove> moves;
  for (const v1::EndpointChange& c : changes) {
    DatabaseMove m{DatabaseName(c.database()), {}, c.address()};
    for (const auto& r : now) {
      if (!r.ok()) continue;
      for (const v1::Endpoint& e : r.response.endpoints()) {
        if (e.database() == c.database()) AddOnce(m.from, e.address());
      }
    }
    moves.push_back(std::move(m));
  }
  return moves;
}

std::string MovesText(const std::vector<DatabaseMove>& moves) {
  std::vector<std::string> parts;
  for (const DatabaseMove& m : moves) {
    // The old addresses are what the agents said: shown, never obeyed by the terminal.
    const std::string from = EscapeControls(absl::StrJoin(m.from, " | "));
    parts.push_back(absl::StrCat(Capitalized(m.database), " ", from, from.empty() ? "" : " ",
                                 kArrowText, " ", EscapeControls(m.to)));
  }
  return absl::StrJoin(parts, ", ");
}

nlohmann::json MovesJson(const std::vector<DatabaseMove>& moves) {
  nlohmann::json out = nlohmann::json::object();
  for (const DatabaseMove& m : moves) out[m.database] = {{"from", m.from}, {"to", m.to}};
  return out;
}

std::string MoveQuestion(size_t servers, const std::vector<DatabaseMove>& moves) {
  return absl::StrCat("Move ", servers, servers == 1 ? " server: " : " servers: ", MovesText(moves),
                      "? [y/N] ");
}

std::string DiffsText(const google::protobuf::RepeatedPtrField<v1::FieldDiff>& diffs) {
  if (diffs.empty()) return "no change (already at the new addresses)";
  std::vector<std::string> parts;
  for (const v1::FieldDiff& d : diffs) {
    parts.push_back(absl::StrCat(DatabaseName(d.database()), " ", DiffField(d), " ", d.old_value(),
                                 " ", kArrowText, " ", d.new_value()));
  }
  return absl::StrJoin(parts, ", ");
}

std::string ProgressText(const Journal& journal) {
  std::vector<std::string> done, left;
  std::set<int> batches_left, batches_done;
  for (const HostRecord& h : journal.hosts) {
    (Done(h.state) ? done : left).push_back(h.name);
    (Done(h.state) ? batches_done : batches_left).insert(h.batch);
  }
  for (int b : batches_left) batches_done.erase(b);
  std::string out = absl::StrCat("done: ", done.size(), " of ", journal.hosts.size(), " servers");
  if (!done.empty()) absl::StrAppend(&out, " (", absl::StrJoin(done, ", "), ")");
  if (!batches_done.empty()) {
    absl::StrAppend(&out, ", ", BatchList(batches_done), " of ", journal.batches);
  }
  if (left.empty()) return absl::StrCat(out, "; nothing left to change");
  return absl::StrCat(out, "; left: ", absl::StrJoin(left, ", "), " (", BatchList(batches_left),
                      ")");
}

}  // namespace osfleet::ctl
