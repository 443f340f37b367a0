// libFuzzer target: ParseHsconf on arbitrary bytes and, when they parse, ApplyEdits with a
// few addresses derived from the input. Any input may be refused with a status; none may
// crash, and an edit that succeeds must re-parse and change nothing but the address
// elements' content: undoing its splices gives back the input byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/model/address.h"
#include "common/model/hsconf.h"

namespace osfleet {
namespace {

// A broken invariant: say which, with the (escaped) detail, and crash so libFuzzer saves
// the input.
void Check(bool ok, absl::string_view what, absl::string_view detail = "") {
  if (ok) return;
  const std::string escaped = absl::CHexEscape(detail.substr(0, 2000));
  std::fprintf(stderr, "hsconf_fuzz: invariant broken: %.*s: %s\n", static_cast<int>(what.size()),
               what.data(), escaped.c_str());
  std::abort();
}

// A deterministic stream of choices seeded by the input, so a crash reproduces.
class Picker {
 public:
  explicit Picker(absl::string_view bytes) {
    for (unsigned char c : bytes) state_ = (state_ ^ c) * 0x100000001B3ULL;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  template <typename T, size_t N>
  const T& From(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t state_ = 0xCBF29CE484222325ULL;
};

constexpr absl::string_view kHosts[] = {"SQLNEW01.corp.example.com",
                                        "db",
                                        "10.0.0.7",
                                        "127.0.0.1",
                                        "2001:db8::5",
                                        "::1",
                                        "localhost",
                                        "x-1.example.",
                                        "a.b.c.d.e.f",
                                        "ora-new.corp.example.com"};
constexpr absl::string_view kInstances[] = {"", "", "OUTSYSTEMS", "SQL$2", "_i"};
constexpr absl::string_view kPorts[] = {"", "", "1", "1433", "1521", "65535", "0", "70000"};
constexpr absl::string_view kServices[] = {"OSPROD", "os.svc-1$#", "X"};

std::string Bracketed(absl::string_view host) {
  return host.find(':') == absl::string_view::npos ? std::string(host)
                                                   : absl::StrCat("[", host, "]");
}

std::string SqlServerText(Picker& pick) {
  const absl::string_view host = pick.From(kHosts);
  std::string text = pick.Below(4) == 0 ? "tcp:" : "";
  absl::StrAppend(&text, pick.Below(2) == 0 ? Bracketed(host) : std::string(host));
  const absl::string_view instance = pick.From(kInstances);
  if (!instance.empty()) absl::StrAppend(&text, "\\", instance);
  const absl::string_view port = pick.From(kPorts);
  if (!port.empty()) absl::StrAppend(&text, ",", port);
  return text;
}

std::string OracleText(Picker& pick) {
  std::string text = Bracketed(pick.From(kHosts));
  const absl::string_view port = pick.From(kPorts);
  if (!port.empty()) absl::StrAppend(&text, ":", port);
  return absl::StrCat(text, "/", pick.From(kServices));
}

// One address for `section`: well-formed of either provider, its current address (a
// no-op), or raw bytes from the input (almost always refused).
std::string PickAddress(Picker& pick, const HsconfDocument& doc, const DatabaseSection& section) {
  switch (pick.Below(6)) {
    case 0:
    case 1:
      return SqlServerText(pick);
    case 2:
    case 3:
      return OracleText(pick);
    case 4:
      return section.address;
    default: {
      const size_t at = pick.Below(doc.bytes.size() + 1);
      return doc.bytes.substr(at, pick.Below(48));
    }
  }
}

std::vector<EndpointEdit> PickEdits(Picker& pick, const HsconfDocument& doc) {
  std::vector<EndpointEdit> edits;
  for (DatabaseId id : kAllDatabases) {
    if (pick.Below(3) == 0) continue;
    edits.push_back({id, PickAddress(pick, doc, doc.section(id))});
  }
  if (!edits.empty() && pick.Below(16) == 0) edits.push_back(edits.front());  // refused
  return edits;
}

// What a successful parse promises about every located address element.
void CheckLocations(const HsconfDocument& doc, absl::string_view input) {
  Check(doc.bytes == input, "document bytes differ from the input");
  Check(doc.revision.size() == 64, "revision is not a SHA-256 hex digest", doc.revision);
  for (const DatabaseSection& section : doc.sections) {
    for (const AddressElement& e : section.elements) {
      Check(e.content_begin <= e.content_end && e.content_end <= input.size(),
            "element range outside the file", e.name);
      const absl::string_view raw = input.substr(e.content_begin, e.content_end - e.content_begin);
      if (e.self_closing) {
        Check(absl::EndsWith(raw, "/>") && e.text.empty(), "bad self-closing range", raw);
        continue;
      }
      Check(raw.find('<') == absl::string_view::npos, "element content holds '<'", raw);
      // Without entities, CRs (end-of-line normalisation) or NULs the text is the bytes.
      if (raw.find_first_of(absl::string_view("&\r\0", 3)) == absl::string_view::npos) {
        Check(e.text == raw, "element text differs from its bytes",
              absl::StrCat(e.text, " | ", raw));
      }
    }
  }
}

struct Undo {
  size_t begin;
  size_t end;
  std::string original;
};

// The range an edit wrote in the edited file, and the original bytes it replaced.
Undo UndoFor(absl::string_view original, const AddressElement& before,
             const AddressElement& after) {
  Undo undo{after.content_begin, after.content_end,
            std::string(
                original.substr(before.content_begin, before.content_end - before.content_begin))};
  if (before.self_closing) {  // " />" became ">text</Name>"
    Check(after.content_begin >= 1, "self-closing edit has no '>'", after.name);
    undo.begin = after.content_begin - 1;
    undo.end = after.content_end + 3 + after.name.size();
  }
  return undo;
}

// The edited file re-parses, holds the new texts, and with the new texts replaced by the
// original bytes is the input again.
void CheckEdit(const HsconfDocument& doc, absl::Span<const EndpointEdit> edits,
               const EditResult& result) {
  if (result.changes.empty()) {
    Check(result.bytes == doc.bytes, "no changes, yet the bytes differ");
    return;
  }
  absl::StatusOr<HsconfDocument> edited = ParseHsconf(result.bytes);
  Check(edited.ok(), "the edited file does not parse", edited.status().ToString());
  std::vector<Undo> undos;
  for (const FieldChange& change : result.changes) {
    const AddressElement* before = doc.section(change.database).Element(change.element);
    const AddressElement* after = edited->section(change.database).Element(change.element);
    Check(before != nullptr && after != nullptr, "changed element missing", change.element);
    Check(before->text == change.old_value, "old_value is not the old text", change.old_value);
    Check(after->text == change.new_value, "new text not in the file", change.new_value);
    undos.push_back(UndoFor(doc.bytes, *before, *after));
  }
  std::sort(undos.begin(), undos.end(),
            [](const Undo& a, const Undo& b) { return a.begin > b.begin; });
  std::string reverted = result.bytes;
  for (const Undo& undo : undos) {
    Check(undo.end <= reverted.size(), "undo range outside the edited file");
    reverted.replace(undo.begin, undo.end - undo.begin, undo.original);
  }
  Check(reverted == doc.bytes, "bytes outside the address elements changed", reverted);
  for (const EndpointEdit& edit : edits) {
    const DatabaseSection& now = edited->section(edit.database);
    if (now.provider == DbProvider::kSqlServer) {
      absl::StatusOr<SqlServerAddress> want = ParseSqlServerAddress(edit.address);
      Check(want.ok() && now.sql_server.has_value() && *now.sql_server == *want,
            "SQL Server address not what was set", edit.address);
    } else {
      absl::StatusOr<OracleAddress> want = ParseOracleAddress(edit.address);
      Check(want.ok() && now.oracle.has_value() && now.oracle->host == want->host &&
                now.oracle->port == want->port && now.oracle->service_name == want->service_name,
            "Oracle address not what was set", edit.address);
    }
  }
}

void FuzzOne(absl::string_view input) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(std::string(input));
  if (!doc.ok()) {
    Check(doc.status().code() == absl::StatusCode::kFailedPrecondition,
          "ParseHsconf refused with an unexpected code", doc.status().ToString());
    return;
  }
  CheckLocations(*doc, input);
  Picker pick(input);
  const std::vector<EndpointEdit> edits = PickEdits(pick, *doc);
  absl::StatusOr<EditResult> result = ApplyEdits(*doc, edits);
  if (!result.ok()) {
    const absl::StatusCode code = result.status().code();
    Check(
        code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kFailedPrecondition,
        "ApplyEdits refused with an unexpected code", result.status().ToString());
    return;
  }
  CheckEdit(*doc, edits, *result);
}

}  // namespace
}  // namespace osfleet

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  osfleet::FuzzOne(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
