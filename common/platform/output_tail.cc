// OutputTail (common/platform/child_process.h): the same on every OS.
#include "common/platform/child_process.h"

namespace osfleet::platform {
namespace {

constexpr std::size_t kMaxLines = 20;
constexpr std::size_t kMaxLineBytes = 512;

}  // namespace

void OutputTail::Append(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\r') continue;
    if (c != '\n') {
      if (partial_.size() < kMaxLineBytes) partial_.push_back(c);
      continue;
    }
    lines_.push_back(std::move(partial_));
    partial_.clear();
    if (lines_.size() > kMaxLines) lines_.pop_front();
  }
}

std::string OutputTail::Text() const {
  std::vector<std::string_view> lines(lines_.begin(), lines_.end());
  if (!partial_.empty()) lines.push_back(partial_);
  if (lines.size() > kMaxLines) lines.erase(lines.begin());
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) text.push_back('\n');
    text.append(lines[i]);
  }
  return text;
}

}  // namespace osfleet::platform
