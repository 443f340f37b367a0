// osctl's command tree as completion sees it: read from the CLI11 App at run time (never a
// hand-kept list), so every command, subcommand and flag a shell offers is one osctl parses.
// What an option's value is comes from what CLI11 says of it: its type name (FILE, DIR,
// LIMIT, set with the helpers below where the option is declared) and the sets of its
// IsMember validators ("{warn,fail}").
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace osfleet::ctl {

// What a shell may offer for an option's value (or a positional argument).
enum class ValueKind {
  kNone,     // a flag: no value
  kAny,      // free text: nothing to offer
  kChoices,  // one of `choices`
  kFile,     // a file path
  kDir,      // a folder path
  kLimit,    // a --limit expression: terms from the inventory (`osctl __complete limit`)
};

struct OptionSpec {
  std::vector<std::string> names;  // "-o", "--output"
  std::string description;
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;  // kChoices
};

struct CommandNode {
  std::string name;                         // "" for osctl itself
  std::string path;                         // "rollout apply"; "" for osctl itself
  std::string description;                  // its one-line help
  std::vector<OptionSpec> options;          // this command's own (not its parents')
  ValueKind positional = ValueKind::kNone;  // its first positional argument, if any
  std::vector<CommandNode> subcommands;
};

// The tree under `app`, hidden commands and options (CLI11's empty group) left out.
CommandNode BuildCommandTree(const CLI::App& app);

// Every node of the tree, parents before their children.
std::vector<const CommandNode*> AllNodes(const CommandNode& root);

// Type names that tell completion what a value is; CLI11 prints them in --help too.
inline constexpr char kFileTypeName[] = "FILE";
inline constexpr char kDirTypeName[] = "DIR";
inline constexpr char kLimitTypeName[] = "LIMIT";

// Marks an option's value as a file path, a folder or a --limit expression.
CLI::Option* TakesFile(CLI::Option* option);
CLI::Option* TakesDir(CLI::Option* option);
CLI::Option* TakesLimit(CLI::Option* option);
// Marks an option's value as one of `choices` (their names in --help, completed by shells)
// without a validator: the command's own parser keeps checking it (and its message).
CLI::Option* OffersChoices(CLI::Option* option, const std::vector<std::string>& choices);

// What a CLI11 full type name ("TEXT:{warn,fail}", "FILE", "LIMIT") says of the value.
// `choices` receives the first set's members.
ValueKind KindOfTypeName(const std::string& type_name, std::vector<std::string>& choices);

}  // namespace osfleet::ctl
