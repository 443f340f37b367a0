// Reading a rollout journal from disk as untrusted input: a journal is a record that anyone
// who could write the file may have edited, so every field is checked for its type and
// bounds before anything is allocated or decided by it (a count of batches or servers, a
// state name, an address). The error names the file and the field:
//   "/home/op/.local/state/osfleet/rollouts/X.json: batches: 2000000000 is outside
//    0..5 (at most one batch per server)".
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ctl/ops/rollout/journal.h"

namespace osfleet::ctl {

// Bounds of a journal's contents (the file's size is kMaxJournalBytes).
inline constexpr size_t kMaxJournalHosts = 4096;
inline constexpr size_t kMaxJournalTextBytes = 16 << 10;  // error, note, tool output
inline constexpr size_t kMaxJournalPathBytes = 4096;      // the inventory's path
inline constexpr size_t kMaxJournalWarnings = 64;         // per server
inline constexpr size_t kMaxJournalAddressBytes = 1024;   // an address as a server had it

// The journal in `text` (the bytes of the file at `path`, which only names it in errors).
// INVALID_ARGUMENT "PATH: FIELD: what is wrong" when the text is larger than
// kMaxJournalBytes, is not UTF-8 (with the byte offset) or not JSON, when a field has the
// wrong type or is outside its bounds: batches within the number of servers, each server's
// batch below batches, canary and max_fail counts, confirm_timeout and lease
// parse and are within the agent's request limits, the new addresses parse as the
// --platform/--log/--session flags do, each agent address as an inventory address does,
// state and phase names are known, strings bounded, server names unique.
absl::StatusOr<Journal> ParseJournal(absl::string_view text, const std::string& path);

}  // namespace osfleet::ctl
