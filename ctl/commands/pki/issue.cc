// pki issue agent | operator NAME: a key and a certificate signed by the CA in --dir.
#include <string>

#include "ctl/commands/pki/pki.h"
#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {
namespace {

int RunPkiIssue(const GlobalOptions& global, const pki::IssueOptions& issue) {
  const char* holder = issue.holder == pki::Holder::kOperator ? "operator" : "agent";
  return WriteAndPrint(global, std::string("pki issue ") + holder,
                       [&issue] { return pki::IssueCertificate(issue); });
}

// The flags both holders take.
void AddCommonFlags(CLI::App* cmd, pki::IssueOptions& o) {
  TakesDir(cmd->add_option("--dir", o.dir, "the folder of `pki init` (CA and output)"))->required();
  cmd->add_flag("--force", o.force, "replace existing NAME.key / NAME.pem");
  cmd->add_option("--backdate-days", o.backdate_days, "tests: already expired")->group("");
}

void AddAgent(CLI::App* issue, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<pki::IssueOptions>();
  o->holder = pki::Holder::kAgent;
  o->days = pki::kDefaultAgentDays;
  CLI::App* agent = issue->add_subcommand("agent", "DIR/NAME.key and DIR/NAME.pem for an agent");
  agent->add_option("name", o->name, "the server's inventory name")->required();
  AddCommonFlags(agent, *o);
  agent->add_option("--san", o->sans, "another DNS name or IP address (repeatable)")
      ->allow_extra_args(false);
  agent->add_option("--days", o->days, "validity")->capture_default_str();
  OnChosen(agent, action, [&global, o] { return RunPkiIssue(global, *o); });
}

void AddOperator(CLI::App* issue, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<pki::IssueOptions>();
  o->holder = pki::Holder::kOperator;
  o->days = pki::kDefaultOperatorDays;
  CLI::App* op = issue->add_subcommand("operator", "DIR/NAME.key and DIR/NAME.pem for osctl");
  op->add_option("name", o->name, "the operator's name (the certificate's CN)")->required();
  AddCommonFlags(op, *o);
  op->add_option("--role", o->role, "viewer (reads) | operator (everything)")->required();
  op->add_option("--days", o->days, "validity")->capture_default_str();
  OnChosen(op, action, [&global, o] { return RunPkiIssue(global, *o); });
}

}  // namespace

void AddPkiIssue(CLI::App& pki, const GlobalOptions& global, Action& action) {
  CLI::App* issue = pki.add_subcommand("issue", "a key and a certificate signed by the CA");
  issue->require_subcommand(1);
  AddAgent(issue, global, action);
  AddOperator(issue, global, action);
}

}  // namespace osfleet::ctl
