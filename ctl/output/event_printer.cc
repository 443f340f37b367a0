#include "ctl/output/event_printer.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/platform/live_terminal.h"
#include "common/text/escape.h"
#include "common/text/json_util.h"
#include "ctl/output/console.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {

namespace {

constexpr absl::Duration kRedrawEvery = absl::Seconds(1);
constexpr int kDefaultColumns = 80;

}  // namespace

EventPrinter::EventPrinter(OutputFormat format, bool color)
    : format_(format), color_(color), start_(absl::Now()) {}

void EventPrinter::StartStatusLine() {
  if (format_ != OutputFormat::kTable || status_line_.exchange(true)) return;
  StdConsole().EnableStatus(true);
  ticker_ = std::thread([this] {
    while (!stop_ticker_.WaitForNotificationWithTimeout(kRedrawEvery)) Redraw();
  });
}

EventPrinter::~EventPrinter() { StopStatusLine(); }

void EventPrinter::StopStatusLine() {
  if (!status_line_.exchange(false)) return;
  stop_ticker_.Notify();
  ticker_.join();
  StdConsole().SetStatus("");
  StdConsole().EnableStatus(false);
}

void EventPrinter::Redraw() {
  std::string line;
  {
    absl::MutexLock lock(&mu_);
    const int columns = platform::StderrColumns();
    line = RenderStatusLine(status_, absl::Now(), (columns > 0 ? columns : kDefaultColumns) - 1);
  }
  StdConsole().SetStatus(std::move(line));
}

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
                        bool bad, const RolloutPosition& position, const StepProgress* progress) {
  if (status_line_.load()) {
    {
      absl::MutexLock lock(&mu_);
      UpdateStatus(status_, server, position, progress, absl::Now());
    }
    Redraw();
    // The status line shows the heartbeat: no line of its own.
    if (progress != nullptr && progress->state == "heartbeat") return;
  }
  if (format_ != OutputFormat::kJsonl) {
    Step(kind, server, text, bad);
    return;
  }
  nlohmann::json line = {{"t", Seconds()},
                         {"kind", kind},
                         {"server", server},
                         {"text", text},
                         {"ok", !bad},
                         {"batch", position.batch},
                         {"batches", position.batches},
                         {"done", position.done},
                         {"total", position.total}};
  if (progress != nullptr) {
    line["progress"] = {{"state", progress->state},
                        {"step", progress->step},
                        {"elapsed", absl::ToDoubleSeconds(progress->elapsed)},
                        {"log", progress->log_line}};
  }
  Line(DumpJson(line));
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
