#include "ctl/commands/completion/completion.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "ctl/completion/bash_script.h"
#include "ctl/completion/powershell_script.h"
#include "ctl/completion/shell_words.h"
#include "ctl/fleet/limit.h"
#include "ctl/output/exit_code.h"

namespace osfleet::ctl {
namespace {

const std::string& Version() {
  static const auto* const version = new std::string(OSFLEET_VERSION);
  return *version;
}

int Print(const std::string& script) {
  std::fputs(script.c_str(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailed;
}

// A word a shell can take back as one completion: no blank, no control character.
bool ShellWord(const std::string& word) {
  for (unsigned char c : word) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return !word.empty();
}

// One candidate a line; nothing at all (and exit 1) when the inventory cannot be read: a
// shell shows no error while someone types.
int PrintLimitCompletions(const GlobalOptions& global, const std::string& typed) {
  absl::StatusOr<Inventory> inventory = LoadInventory(InventoryPath(global.inventory));
  if (!inventory.ok()) return kExitFailed;
  std::string out;
  for (const std::string& candidate : LimitCompletions(inventory->servers, typed)) {
    if (ShellWord(candidate)) out += candidate + "\n";
  }
  return Print(out);
}

void AddScripts(CLI::App& app, Action& action) {
  CLI::App* completion =
      app.add_subcommand("completion", "print a shell completion script (bash | powershell)");
  completion->require_subcommand(1);
  OnChosen(completion->add_subcommand("bash", "for bash: source <(osctl completion bash)"), action,
           [&app] { return Print(BashCompletionScript(BuildCommandTree(app), Version())); });
  OnChosen(completion->add_subcommand("powershell",
                                      "for PowerShell: osctl completion powershell | Out-String | "
                                      "Invoke-Expression"),
           action,
           [&app] { return Print(PowerShellCompletionScript(BuildCommandTree(app), Version())); });
}

void AddCallback(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* callback = app.add_subcommand(kCompleteCommand, "what the completion scripts call");
  callback->group("");  // hidden: neither in --help nor completed
  callback->require_subcommand(1);
  CLI::App* limit = callback->add_subcommand(kCompleteLimit, "--limit terms for what is typed");
  auto typed = std::make_shared<std::string>();
  limit->add_option("typed", *typed, "the --limit expression typed so far");
  OnChosen(limit, action, [&global, typed] { return PrintLimitCompletions(global, *typed); });
}

}  // namespace

void RegisterCompletion(CLI::App& app, const GlobalOptions& global, Action& action) {
  AddScripts(app, action);
  AddCallback(app, global, action);
}

}  // namespace osfleet::ctl
