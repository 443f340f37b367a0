// doctor: every selected agent's read-only checks and osctl's own (ctl/ops/doctor), as a
// table (SERVER, CHECK, VERDICT, REASON) or JSON. Exit 0 only when every row is ok: a
// warning does not hold either (--fail-on fail lets warnings pass); 1 otherwise; 2 for
// bad input.
#include "ctl/commands/doctor/doctor.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/text/escape.h"
#include "ctl/ops/doctor/doctor.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

struct DoctorOptions {
  std::string fail_on = "warn";
};

Color VerdictColor(Verdict v) {
  return v == Verdict::kOk ? Color::kGreen : v == Verdict::kWarn ? Color::kYellow : Color::kRed;
}

std::map<Verdict, int> Count(const std::vector<DoctorRow>& rows) {
  std::map<Verdict, int> n = {{Verdict::kOk, 0}, {Verdict::kWarn, 0}, {Verdict::kFail, 0}};
  for (const DoctorRow& r : rows) ++n[r.verdict];
  return n;
}

std::string CountLine(const std::vector<DoctorRow>& rows, size_t servers) {
  std::map<Verdict, int> n = Count(rows);
  return absl::StrCat(servers, servers == 1 ? " server, " : " servers, ", rows.size(),
                      " checks: ", n[Verdict::kOk], " ok, ", n[Verdict::kWarn], " warn, ",
                      n[Verdict::kFail], " fail\n");
}

void PrintTable(const FleetContext& ctx, const std::vector<DoctorRow>& rows) {
  Table table({"SERVER", "CHECK", "VERDICT", "REASON"});
  for (const DoctorRow& r : rows) {
    table.AddRow({r.server, EscapeControls(r.check),
                  Cell(VerdictName(r.verdict), VerdictColor(r.verdict)), EscapeControls(r.reason)});
  }
  PrintOut(table.Render(ctx.color()) + CountLine(rows, ctx.servers().size()));
}

void PrintJsonReport(const FleetContext& ctx, const std::vector<DoctorRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const DoctorRow& r : rows) {
    out.push_back({{"server", r.server},
                   {"check", r.check},
                   {"verdict", VerdictName(r.verdict)},
                   {"reason", r.reason}});
  }
  std::map<Verdict, int> n = Count(rows);
  PrintJson({{"command", "doctor"},
             {"ok", Worst(rows) == Verdict::kOk},
             {"counts",
              {{"ok", n[Verdict::kOk]}, {"warn", n[Verdict::kWarn]}, {"fail", n[Verdict::kFail]}}},
             {"rows", out}},
            ctx.format());
}

int RunDoctorCommand(const FleetContext& ctx, const DoctorOptions& o) {
  const std::vector<DoctorRow> rows = RunDoctor(ctx, *Clock::Real());
  if (ctx.format() == OutputFormat::kTable) {
    PrintTable(ctx, rows);
  } else {
    PrintJsonReport(ctx, rows);
  }
  const Verdict worst = Worst(rows);
  const Verdict limit = o.fail_on == "fail" ? Verdict::kFail : Verdict::kWarn;
  return worst >= limit ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterDoctor(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<DoctorOptions>();
  CLI::App* doctor = app.add_subcommand(
      "doctor",
      "read-only check of everything a rollout touches, on every selected server; exit 0 only "
      "when every check is ok");
  doctor
      ->add_option("--fail-on", o->fail_on,
                   "warn: exit 1 on any warning or failure; fail: only on a failure")
      ->check(CLI::IsMember({"warn", "fail"}))
      ->capture_default_str();
  OnChosen(doctor, action, [&global, o] {
    return WithFleet(global, [o](const FleetContext& ctx) { return RunDoctorCommand(ctx, *o); });
  });
}

}  // namespace osfleet::ctl
