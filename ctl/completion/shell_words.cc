#include "ctl/completion/shell_words.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace osfleet::ctl {

std::string LimitCallbackWords() { return absl::StrCat(kCompleteCommand, " ", kCompleteLimit); }

std::string KindWords(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNone:
      return "";
    case ValueKind::kAny:
      return "any";
    case ValueKind::kChoices:
      return "choices";
    case ValueKind::kFile:
      return "file";
    case ValueKind::kDir:
      return "dir";
    case ValueKind::kLimit:
      return "limit";
  }
  return "any";
}

std::string KindWords(const OptionSpec& option) {
  if (option.kind != ValueKind::kChoices) return KindWords(option.kind);
  return absl::StrCat("choices ", absl::StrJoin(option.choices, " "));
}

std::string InventoryFlags(const CommandNode& root) {
  for (const OptionSpec& option : root.options) {
    for (const std::string& name : option.names) {
      if (name == "--inventory") return absl::StrJoin(option.names, " ");
    }
  }
  return "";
}

std::string SingleQuoted(absl::string_view text, absl::string_view escaped_quote) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", escaped_quote}}), "'");
}

}  // namespace osfleet::ctl
