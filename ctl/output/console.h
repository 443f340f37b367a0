// osctl's one writer to its standard output and error while a command runs: event lines
// and a status line that redraws in place on a terminal (\r and erase-line) and never
// mixes with them: the status line is erased before each line written and drawn again
// after it. Thread-safe (gRPC's threads, heartbeats, the ticker and the Ctrl-C question
// all write through it).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::ctl {

class Console {
 public:
  using Write = std::function<void(absl::string_view)>;  // writes and flushes

  // out and err: where text goes (the process's streams for StdConsole; tests capture).
  // The status line is drawn on err.
  Console(Write out, Write err);

  // Text as it is (the caller made it safe), with its own line breaks.
  void Out(absl::string_view text);
  void Err(absl::string_view text);

  // Whether the status line is drawn at all (off: SetStatus only remembers). Turning it
  // off erases the line shown.
  void EnableStatus(bool on);
  // Shows `line` (one line, no break, fitting the terminal) in place of the one shown;
  // "" erases it.
  void SetStatus(std::string line);

  // A question on err (the status line erased first) that stays alone on the screen until
  // Answered(): lines written meanwhile are held (never blocked: the callers are gRPC's and
  // the heartbeats' threads), then written in order; the status line comes back after.
  void Ask(absl::string_view question);
  // `first` (e.g. the line break the operator did not type) goes out before the held lines.
  void Answered(absl::string_view first = "");

 private:
  void WriteLocked(bool to_err, absl::string_view text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DrawLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Write out_;
  const Write err_;
  absl::Mutex mu_;
  bool enabled_ ABSL_GUARDED_BY(mu_) = false;
  bool shown_ ABSL_GUARDED_BY(mu_) = false;  // a status line is on the screen now
  std::string status_ ABSL_GUARDED_BY(mu_);
  bool asking_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::pair<bool, std::string>> held_ ABSL_GUARDED_BY(mu_);  // (to err, text)
};

// The process's console: stdout and stderr. Lives for the whole process.
Console& StdConsole();

}  // namespace osfleet::ctl
