#include "ctl/output/event_printer.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/text/escape.h"
#include "common/text/json_util.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {

EventPrinter::EventPrinter(OutputFormat format, bool color)
    : format_(format), color_(color), start_(absl::Now()) {}

double EventPrinter::Seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

void EventPrinter::Line(const std::string& text) {
  absl::MutexLock lock(&mu_);
  PrintOut(text + "\n");
}

void EventPrinter::Service(const std::string& server, const v1::ServiceEvent& e) {
  if (format_ == OutputFormat::kJsonl) {
    Line(DumpJson({{"server", server}, {"event", ProtoToJson(e)}}));
  } else if (format_ == OutputFormat::kTable) {
    Line(absl::StrFormat("%6.1fs  %-10s %-45s %s%s", Seconds(), EscapeControls(server),
                         EscapeControls(e.service()),
                         Paint(ServiceStateName(e.state()), ServiceStateColor(e.state()), color_),
                         e.detail().empty() ? "" : "  " + EscapeControls(e.detail())));
  }
}

void EventPrinter::Phase(const std::string& server, const v1::PhaseEvent& e) {
  if (format_ == OutputFormat::kJsonl) {
    Line(DumpJson({{"server", server}, {"event", ProtoToJson(e)}}));
  } else if (format_ == OutputFormat::kTable) {
    Line(absl::StrFormat("%6.1fs  %s", Seconds(),
                         Paint(EscapeControls(DescribePhaseEvent(e)), PhaseEventColor(e), color_)));
  }
}

void EventPrinter::Step(const std::string& kind, const std::string& server, const std::string& text,
                        bool bad) {
  const double t = Seconds();
  if (format_ == OutputFormat::kJsonl) {
    Line(DumpJson({{"t", t}, {"kind", kind}, {"server", server}, {"text", text}, {"ok", !bad}}));
  } else if (format_ == OutputFormat::kTable) {
    const Color c = bad ? Color::kRed : kind == "drift" ? Color::kYellow : Color::kNone;
    Line(absl::StrFormat("%6.1fs  %-9s %-8s %s", t, kind, EscapeControls(server),
                         Paint(EscapeControls(text), c, color_)));
  }
}

}  // namespace osfleet::ctl
