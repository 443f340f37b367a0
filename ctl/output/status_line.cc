#include "ctl/output/status_line.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/text/escape.h"

namespace osfleet::ctl {
namespace {

// The first `columns` characters of UTF-8 text (a character: a lead byte and its
// continuation bytes), with "…" when it was cut.
std::string FitColumns(const std::string& text, int columns) {
  if (columns <= 0) return "";
  int chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars > columns) {
      // Cut before the last kept character to make room for the ellipsis.
      size_t cut = i;
      do {
        --cut;
      } while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80);
      return text.substr(0, cut) + "…";
    }
  }
  return text;
}

}  // namespace

std::string FormatElapsed(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  if (d < absl::Seconds(1)) return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm%02ds", s / 3600, (s / 60) % 60, s % 60);
}

void UpdateStatus(StatusState& st, const std::string& server, const RolloutPosition& position,
                  const StepProgress* progress, absl::Time now) {
  st.batch = position.batch;
  st.batches = position.batches;
  st.done = position.done;
  st.total = position.total;
  if (progress == nullptr) return;
  if (progress->state == "start" || progress->state == "heartbeat") {
    if (st.server != server || st.step != progress->step) st.log_line.clear();
    st.server = server;
    st.step = progress->step;
    st.step_since = now - progress->elapsed;
    if (!progress->log_line.empty()) st.log_line = progress->log_line;
  } else if (st.server == server) {
    st.server.clear();
    st.step.clear();
    st.log_line.clear();
  }
}

std::string RenderStatusLine(const StatusState& st, absl::Time now, int columns) {
  std::vector<std::string> parts;
  if (st.batch > 0) parts.push_back(absl::StrCat("batch ", st.batch, "/", st.batches));
  if (!st.server.empty()) {
    parts.push_back(absl::StrCat(EscapeControls(st.server), " ", EscapeControls(st.step), " ",
                                 FormatElapsed(now - st.step_since)));
  }
  if (st.total > 0) parts.push_back(absl::StrCat(st.done, "/", st.total, " servers done"));
  if (!st.log_line.empty()) parts.push_back(EscapeControls(st.log_line));
  return FitColumns(absl::StrJoin(parts, " · "), columns);
}

}  // namespace osfleet::ctl
