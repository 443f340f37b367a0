#include "ctl/completion/command_tree.h"

#include <string>
#include <vector>

#include "ctl/completion/bash_script.h"
#include "ctl/completion/powershell_script.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A small osctl-like tree declared with the same helpers the real commands use.
struct Demo {
  CLI::App app{"demo"};
  std::string text, inventory, limit, output = "table", dir, file, mode;
  bool flag = false;

  Demo() {
    TakesFile(app.add_option("-i,--inventory", inventory, "the inventory"));
    TakesLimit(app.add_option("-l,--limit", limit, "servers"));
    OffersChoices(app.add_option("-o,--output", output, "how"), {"table", "json"});
    app.add_flag("-v,--verbose", flag, "more");
    app.add_option("--secret", text, "tests only")->group("");
    CLI::App* pki = app.add_subcommand("pki", "the CA");
    TakesDir(pki->add_subcommand("init", "make one")->add_option("--dir", dir, "where"));
    TakesFile(pki->add_subcommand("show", "print one")->add_option("file", file, "a cert"));
    app.add_subcommand("doctor", "check")
        ->add_option("--fail-on", mode, "level")
        ->check(CLI::IsMember({"warn", "fail"}));
    app.add_subcommand("__hidden", "callback")->group("");
  }
};

const OptionSpec* Find(const CommandNode& node, const std::string& name) {
  for (const OptionSpec& o : node.options) {
    for (const std::string& n : o.names) {
      if (n == name) return &o;
    }
  }
  return nullptr;
}

std::vector<std::string> Names(const std::vector<CommandNode>& nodes) {
  std::vector<std::string> out;
  for (const CommandNode& n : nodes) out.push_back(n.name);
  return out;
}

TEST(CommandTreeTest, WalksCommandsAndLeavesHiddenOnesOut) {
  Demo demo;
  CommandNode root = BuildCommandTree(demo.app);
  EXPECT_EQ(root.path, "");
  EXPECT_THAT(Names(root.subcommands), ElementsAre("pki", "doctor"));
  EXPECT_THAT(Names(root.subcommands[0].subcommands), ElementsAre("init", "show"));
  EXPECT_EQ(root.subcommands[0].subcommands[1].path, "pki show");
  EXPECT_EQ(Find(root, "--secret"), nullptr);
  std::vector<std::string> paths;
  for (const CommandNode* node : AllNodes(root)) paths.push_back(node->path);
  EXPECT_THAT(paths, ElementsAre("", "pki", "pki init", "pki show", "doctor"));
}

TEST(CommandTreeTest, EachOptionSaysWhatItTakes) {
  Demo demo;
  CommandNode root = BuildCommandTree(demo.app);
  ASSERT_NE(Find(root, "-i"), nullptr);
  EXPECT_THAT(Find(root, "-i")->names, ElementsAre("-i", "--inventory"));
  EXPECT_EQ(Find(root, "--inventory")->kind, ValueKind::kFile);
  EXPECT_EQ(Find(root, "--limit")->kind, ValueKind::kLimit);
  EXPECT_EQ(Find(root, "--output")->kind, ValueKind::kChoices);
  EXPECT_THAT(Find(root, "--output")->choices, ElementsAre("table", "json"));
  EXPECT_EQ(Find(root, "--verbose")->kind, ValueKind::kNone);
  EXPECT_EQ(Find(root, "--help")->kind, ValueKind::kNone);
  EXPECT_EQ(Find(root.subcommands[0].subcommands[0], "--dir")->kind, ValueKind::kDir);
  EXPECT_EQ(root.subcommands[0].subcommands[1].positional, ValueKind::kFile);
  const OptionSpec* fail_on = Find(root.subcommands[1], "--fail-on");
  ASSERT_NE(fail_on, nullptr);
  EXPECT_EQ(fail_on->kind, ValueKind::kChoices);
  EXPECT_THAT(fail_on->choices, ElementsAre("warn", "fail"));
}

TEST(CommandTreeTest, TypeNamesAsCli11PrintsThem) {
  std::vector<std::string> choices;
  EXPECT_EQ(KindOfTypeName("TEXT", choices), ValueKind::kAny);
  EXPECT_EQ(KindOfTypeName("INT", choices), ValueKind::kAny);
  EXPECT_EQ(KindOfTypeName("TEXT:FILE", choices), ValueKind::kFile);  // CLI::ExistingFile
  EXPECT_EQ(KindOfTypeName("TEXT:DIR", choices), ValueKind::kDir);    // CLI::ExistingDirectory
  EXPECT_EQ(KindOfTypeName("TEXT:PATH(existing)", choices), ValueKind::kFile);
  EXPECT_EQ(KindOfTypeName("LIMIT", choices), ValueKind::kLimit);
  EXPECT_EQ(KindOfTypeName("TEXT:{a:b,c}", choices), ValueKind::kChoices);
  EXPECT_THAT(choices, ElementsAre("a:b", "c"));
  EXPECT_THAT(choices, Not(IsEmpty()));
}

TEST(CompletionScriptsTest, BashHoldsTheTreeAndRegistersBothNames) {
  Demo demo;
  const std::string script = BashCompletionScript(BuildCommandTree(demo.app), "9.9");
  EXPECT_THAT(script, HasSubstr("(9.9)"));
  EXPECT_THAT(script, HasSubstr("'') _osctl_reply='pki doctor' ;;"));
  EXPECT_THAT(script, HasSubstr("'pki') _osctl_reply='init show' ;;"));
  EXPECT_THAT(script, HasSubstr("'|-o'|'|--output') _osctl_reply='choices table json' ;;"));
  EXPECT_THAT(script, HasSubstr("'pki init|--dir') _osctl_reply='dir' ;;"));
  EXPECT_THAT(script, HasSubstr("'pki show') _osctl_reply='file' ;;"));
  EXPECT_THAT(script, HasSubstr("_osctl_inventory_flags='-i --inventory'"));
  EXPECT_THAT(script, HasSubstr("__complete limit -- \"$1\""));
  EXPECT_THAT(script, HasSubstr("complete -F _osctl osctl osctl.exe\n"));
  EXPECT_THAT(script, Not(HasSubstr("__hidden")));
  EXPECT_THAT(script, Not(HasSubstr("--secret")));
}

TEST(CompletionScriptsTest, PowerShellHoldsTheTreeWithItsHelpAsTooltips) {
  Demo demo;
  demo.app.get_subcommand("doctor")->description("it's a check");  // a quote to escape
  const std::string script = PowerShellCompletionScript(BuildCommandTree(demo.app), "9.9");
  EXPECT_THAT(script,
              HasSubstr("Register-ArgumentCompleter -Native -CommandName osctl, osctl.exe"));
  EXPECT_THAT(script, HasSubstr("$subcommands[''] = @('pki', 'doctor')"));
  EXPECT_THAT(script, HasSubstr("$subcommands['pki'] = @('init', 'show')"));
  EXPECT_THAT(script, HasSubstr("$tips['doctor'] = 'it''s a check'"));
  EXPECT_THAT(script, HasSubstr("$values['|--output'] = 'choices table json'"));
  EXPECT_THAT(script, HasSubstr("$positionals['pki show'] = 'file'"));
  EXPECT_THAT(script, HasSubstr("$inventoryFlags = @('-i', '--inventory')"));
  EXPECT_THAT(script, HasSubstr("@('__complete', 'limit') + @('--', $typed)"));
  EXPECT_THAT(script, Not(HasSubstr("__hidden")));
}

}  // namespace
}  // namespace osfleet::ctl
