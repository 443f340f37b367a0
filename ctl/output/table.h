// Aligned text tables for people; colour only when asked (a TTY without NO_COLOR).
#pragma once

#include <string>
#include <vector>

namespace osfleet::ctl {

enum class Color { kNone, kGreen, kYellow, kRed, kBold, kDim };

struct Cell {
  std::string text;
  Color color = Color::kNone;
  Cell(std::string t) : text(std::move(t)) {}  // NOLINT: implicit from text
  Cell(const char* t) : text(t) {}             // NOLINT
  Cell(std::string t, Color c) : text(std::move(t)), color(c) {}
};

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<Cell> cells);
  bool empty() const { return rows_.empty(); }
  // Columns separated by two spaces; the last column is not padded.
  std::string Render(bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

// Wraps text in the ANSI sequence for `c` when color is on.
std::string Paint(const std::string& text, Color c, bool color);

// stdout is a terminal that shows colours (platform::PrepareConsole) and NO_COLOR is unset.
bool StdoutWantsColor();

}  // namespace osfleet::ctl
