// What both completion scripts share: an option's value kind as the scripts name it, and
// the one global flag (--inventory) the --limit callback passes on.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

// The hidden command the scripts run for --limit terms: `osctl [--inventory FILE]
// __complete limit -- TYPED` prints one candidate a line (the whole word, earlier comma
// terms included) and nothing at all when the inventory cannot be read.
inline constexpr char kCompleteCommand[] = "__complete";
inline constexpr char kCompleteLimit[] = "limit";
// "__complete limit", as the scripts run it.
std::string LimitCallbackWords();

// "" (a flag), "any", "file", "dir", "limit", or "choices A B C".
std::string KindWords(const OptionSpec& option);
std::string KindWords(ValueKind kind);

// The root's option whose long name is --inventory: its names ("-i --inventory"); "" when
// the tree has none.
std::string InventoryFlags(const CommandNode& root);

// `text` between single quotes for bash (and PowerShell: both double an inner quote
// differently, so each script's generator passes its own `escaped_quote`).
std::string SingleQuoted(absl::string_view text, absl::string_view escaped_quote);

}  // namespace osfleet::ctl
