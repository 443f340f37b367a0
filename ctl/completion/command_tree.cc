#include "ctl/completion/command_tree.h"

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace osfleet::ctl {
namespace {

// "TEXT:{a,b}:FILE" -> "TEXT", "{a,b}", "FILE": colons inside braces do not split.
std::vector<std::string> TypeNameParts(const std::string& type_name) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char c : type_name) {
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    if (c == ':' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

bool Hidden(const std::string& group) { return group.empty(); }

OptionSpec SpecOf(const CLI::Option& option) {
  OptionSpec spec;
  for (const std::string& s : option.get_snames()) spec.names.push_back("-" + s);
  for (const std::string& l : option.get_lnames()) spec.names.push_back("--" + l);
  spec.description = option.get_description();
  spec.kind = option.get_items_expected_max() == 0
                  ? ValueKind::kNone
                  : KindOfTypeName(option.get_type_name(), spec.choices);
  return spec;
}

CommandNode NodeOf(const CLI::App& app, const std::string& path) {
  CommandNode node;
  node.name = app.get_name();
  node.path = path;
  node.description = app.get_description();
  bool positional_seen = false;
  for (const CLI::Option* option : app.get_options()) {
    if (Hidden(option->get_group())) continue;
    if (option->get_snames().empty() && option->get_lnames().empty()) {
      std::vector<std::string> unused;
      if (!positional_seen) node.positional = KindOfTypeName(option->get_type_name(), unused);
      positional_seen = true;
      continue;
    }
    node.options.push_back(SpecOf(*option));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name().empty() || Hidden(sub->get_group())) continue;
    const std::string sub_path = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    node.subcommands.push_back(NodeOf(*sub, sub_path));
  }
  return node;
}

void Collect(const CommandNode& node, std::vector<const CommandNode*>& out) {
  out.push_back(&node);
  for (const CommandNode& sub : node.subcommands) Collect(sub, out);
}

}  // namespace

CommandNode BuildCommandTree(const CLI::App& app) {
  CommandNode root = NodeOf(app, "");
  root.name.clear();
  return root;
}

std::vector<const CommandNode*> AllNodes(const CommandNode& root) {
  std::vector<const CommandNode*> out;
  Collect(root, out);
  return out;
}

CLI::Option* TakesFile(CLI::Option* option) { return option->type_name(kFileTypeName); }
CLI::Option* TakesDir(CLI::Option* option) { return option->type_name(kDirTypeName); }
CLI::Option* TakesLimit(CLI::Option* option) { return option->type_name(kLimitTypeName); }

CLI::Option* OffersChoices(CLI::Option* option, const std::vector<std::string>& choices) {
  return option->type_name("{" + absl::StrJoin(choices, ",") + "}");
}

ValueKind KindOfTypeName(const std::string& type_name, std::vector<std::string>& choices) {
  ValueKind kind = ValueKind::kAny;
  for (const std::string& part : TypeNameParts(type_name)) {
    if (part == kLimitTypeName) return ValueKind::kLimit;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      choices = absl::StrSplit(part.substr(1, part.size() - 2), ',', absl::SkipEmpty());
      return ValueKind::kChoices;
    }
    // CLI::ExistingDirectory says "DIR"; ExistingFile "FILE"; ExistingPath and
    // NonexistentPath "PATH(existing)" and "PATH(non-existing)".
    if (part == kDirTypeName) kind = ValueKind::kDir;
    if (kind != ValueKind::kDir && (part == kFileTypeName || absl::StartsWith(part, "PATH"))) {
      kind = ValueKind::kFile;
    }
  }
  return kind;
}

}  // namespace osfleet::ctl
