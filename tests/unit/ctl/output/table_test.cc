#include "ctl/output/table.h"

#include <string>

#include "common/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

TEST(TableTest, AlignsColumnsTwoSpacesApartWithoutTrailingPadding) {
  Table t({"HOST", "STATE", "REVISION"});
  t.AddRow({"dc01", "ok", "1a2b3c"});
  t.AddRow({"frontend-02", "unreachable", "-"});
  EXPECT_EQ(t.Render(false),
            "HOST         STATE        REVISION\n"
            "dc01         ok           1a2b3c\n"
            "frontend-02  unreachable  -\n");
}

TEST(TableTest, EmptyTableRendersOnlyTheHeader) {
  Table t({"A", "BB"});
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.Render(false), "A  BB\n");
  t.AddRow({"x", "y"});
  EXPECT_FALSE(t.empty());
}

TEST(TableTest, WidthCountsCodePointsNotBytes) {
  Table t({"FIELD", "CHANGE"});
  t.AddRow({"s\xC3\xA9rv\xC3\xA9r", "a \xE2\x86\x92 b"});  // "sérvér", "a → b"
  t.AddRow({"x", "y"});
  EXPECT_EQ(t.Render(false),
            "FIELD   CHANGE\n"
            "s\xC3\xA9rv\xC3\xA9r  a \xE2\x86\x92 b\n"
            "x       y\n");
}

TEST(TableTest, ShortRowsAreFilledWithEmptyCells) {
  Table t({"A", "B", "C"});
  t.AddRow({"long-value"});
  EXPECT_EQ(t.Render(false),
            "A           B  C\n"
            "long-value\n");
}

TEST(TableTest, ColorWrapsCellsButKeepsAlignment) {
  Table t({"H", "S"});
  t.AddRow({Cell("a", Color::kGreen), Cell("bad", Color::kRed)});
  EXPECT_EQ(t.Render(true),
            "\033[1mH\033[0m  \033[1mS\033[0m\n"
            "\033[32ma\033[0m  \033[31mbad\033[0m\n");
  EXPECT_EQ(t.Render(false), "H  S\na  bad\n");
}

TEST(PaintTest, AddsAnsiCodesOnlyWhenColorIsOn) {
  EXPECT_EQ(Paint("ok", Color::kGreen, true), "\033[32mok\033[0m");
  EXPECT_EQ(Paint("warn", Color::kYellow, true), "\033[33mwarn\033[0m");
  EXPECT_EQ(Paint("x", Color::kDim, true), "\033[2mx\033[0m");
  EXPECT_EQ(Paint("ok", Color::kGreen, false), "ok");
  EXPECT_EQ(Paint("plain", Color::kNone, true), "plain");
}

// A cell holding a service's code-page output: printed as U+FFFD, and aligned by it.
TEST(TableTest, CellsThatAreNotUtf8AreMadeValidAndAligned) {
  Table t({"SERVICE", "DETAIL"});
  t.AddRow({"caf\xE9", "\xFF\xFE"});
  t.AddRow({"tea", "ok"});
  const std::string out = t.Render(false);
  EXPECT_TRUE(IsValidUtf8(out)) << out;
  EXPECT_EQ(out,
            "SERVICE  DETAIL\n"
            "caf\xEF\xBF\xBD     \xEF\xBF\xBD\xEF\xBF\xBD\n"
            "tea      ok\n");
}

}  // namespace
}  // namespace osfleet::ctl
