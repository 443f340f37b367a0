#include "ctl/output/console.h"

#include <cstdio>

namespace osfleet::ctl {
namespace {

constexpr absl::string_view kEraseLine = "\r\033[K";

void WriteTo(std::FILE* stream, absl::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

}  // namespace

Console::Console(Write out, Write err) : out_(std::move(out)), err_(std::move(err)) {}

void Console::EraseLocked() {
  if (!shown_) return;
  err_(kEraseLine);
  shown_ = false;
}

void Console::DrawLocked() {
  if (!enabled_ || asking_ || status_.empty()) return;
  err_(std::string(kEraseLine) + status_);
  shown_ = true;
}

void Console::WriteLocked(bool to_err, absl::string_view text) {
  if (asking_) {
    held_.emplace_back(to_err, std::string(text));
    return;
  }
  EraseLocked();
  (to_err ? err_ : out_)(text);
  DrawLocked();
}

void Console::Out(absl::string_view text) {
  absl::MutexLock lock(&mu_);
  WriteLocked(false, text);
}

void Console::Err(absl::string_view text) {
  absl::MutexLock lock(&mu_);
  WriteLocked(true, text);
}

void Console::EnableStatus(bool on) {
  absl::MutexLock lock(&mu_);
  if (!on) EraseLocked();
  enabled_ = on;
  DrawLocked();
}

void Console::SetStatus(std::string line) {
  absl::MutexLock lock(&mu_);
  if (line == status_ && (shown_ || !enabled_)) return;
  status_ = std::move(line);
  if (status_.empty()) {
    EraseLocked();
    return;
  }
  DrawLocked();
}

void Console::Ask(absl::string_view question) {
  absl::MutexLock lock(&mu_);
  EraseLocked();
  asking_ = true;
  err_(question);
}

void Console::Answered(absl::string_view first) {
  absl::MutexLock lock(&mu_);
  asking_ = false;
  if (!first.empty()) err_(first);
  for (const auto& [to_err, text] : held_) (to_err ? err_ : out_)(text);
  held_.clear();
  DrawLocked();
}

Console& StdConsole() {
  static Console* console = new Console([](absl::string_view t) { WriteTo(stdout, t); },
                                        [](absl::string_view t) { WriteTo(stderr, t); });
  return *console;
}

}  // namespace osfleet::ctl
