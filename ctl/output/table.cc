#include "ctl/output/table.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/platform/console.h"
#include "common/text/escape.h"

namespace osfleet::ctl {
namespace {

const char* Code(Color c) {
  switch (c) {
    case Color::kGreen:
      return "\033[32m";
    case Color::kYellow:
      return "\033[33m";
    case Color::kRed:
      return "\033[31m";
    case Color::kBold:
      return "\033[1m";
    case Color::kDim:
      return "\033[2m";
    case Color::kNone:
      break;
  }
  return "";
}

// Display width: counts UTF-8 code points, not bytes (arrows, accents).
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

}  // namespace

std::string Paint(const std::string& text, Color c, bool color) {
  if (!color || c == Color::kNone) return text;
  return absl::StrCat(Code(c), text, "\033[0m");
}

bool StdoutWantsColor() {
  const char* no_color = std::getenv("NO_COLOR");
  // A terminal that shows the escapes as colours: on Windows a console that took
  // virtual-terminal processing (platform/console.h), not an old one that prints them raw.
  return platform::PrepareConsole().stdout_color && (no_color == nullptr || *no_color == '\0');
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<Cell> cells) {
  cells.resize(headers_.size(), Cell(""));
  // One line per row: control characters shown as escapes; widths count code points.
  for (Cell& cell : cells) cell.text = EscapeControls(cell.text);
  rows_.push_back(std::move(cells));
}

std::string Table::Render(bool color) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = Width(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], Width(row[c].text));
  }
  auto line = [&](const std::vector<Cell>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      const bool last = c + 1 == cells.size();
      absl::StrAppend(&out, Paint(cells[c].text, cells[c].color, color),
                      last ? "" : std::string(widths[c] - Width(cells[c].text) + 2, ' '));
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<Cell> header;
  for (const std::string& h : headers_) header.emplace_back(h, Color::kBold);
  std::string out = line(header);
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace osfleet::ctl
