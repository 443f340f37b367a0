#include "common/text/escape.h"

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"

namespace osfleet {
namespace {

TEST(EscapeTest, PrintableTextIsKept) {
  for (const char* s : {"", "plain ASCII ~!@#$%^&*()", "Caf\xC3\xA9 S\xC3\xA3o Jo\xC3\xA3o",
                        "\xE2\x86\x92 \xE2\x82\xAC", "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x98\x80",
                        "C:\\Program Files\\OutSystems"}) {
    EXPECT_EQ(EscapeControls(s), s);
    EXPECT_TRUE(IsPrintable(s)) << s;
  }
}

TEST(EscapeTest, TerminalSequencesBecomeVisible) {
  EXPECT_EQ(EscapeControls("a\x1b]0;pwned\x07"
                           "b"),
            "a\\u001b]0;pwned\\u0007b");
  EXPECT_EQ(EscapeControls("\x1b[2J\x1b[31mred"), "\\u001b[2J\\u001b[31mred");
  EXPECT_EQ(EscapeControls("ok\rFAKE"), "ok\\rFAKE");
  EXPECT_EQ(EscapeControls("line\nforged"), "line\\nforged");
  EXPECT_EQ(EscapeControls("a\tb"), "a\\tb");
  EXPECT_EQ(EscapeControls(std::string("nul\0x", 5)), "nul\\u0000x");
  EXPECT_EQ(EscapeControls("del\x7f"), "del\\u007f");
  EXPECT_EQ(EscapeControls("bs\b"), "bs\\u0008");
  EXPECT_FALSE(IsPrintable("a\x1b"));
}

TEST(EscapeTest, C1ControlsAndBidiOverridesBecomeVisible) {
  EXPECT_EQ(EscapeControls("csi\xC2\x9B"
                           "2J"),
            "csi\\u009b2J");                               // U+009B (8-bit CSI)
  EXPECT_EQ(EscapeControls("nel\xC2\x85"), "nel\\u0085");  // U+0085
  EXPECT_EQ(EscapeControls("\xE2\x80\xAE"
                           "cod.exe"),
            "\\u202ecod.exe");  // RLO
  EXPECT_EQ(EscapeControls("a\xE2\x80\xA8"
                           "b"),
            "a\\u2028b");  // line separator
  EXPECT_EQ(EscapeControls("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u2066x\\u2069");
  // Neighbours of the escaped ranges stay: U+00A0, U+00E9, U+2030.
  EXPECT_EQ(EscapeControls("\xC2\xA0\xC3\xA9\xE2\x80\xB0"), "\xC2\xA0\xC3\xA9\xE2\x80\xB0");
}

TEST(EscapeTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(EscapeControls("caf\xE9\x1b"), "caf\xEF\xBF\xBD\\u001b");
}

TEST(EscapeTest, KeepNewlinesForBlocksButNotCarriageReturns) {
  EscapeOptions block;
  block.keep_newlines = true;
  EXPECT_EQ(EscapeControls("last lines:\r\none\ntwo\tx", block), "last lines:\none\ntwo\tx");
  EXPECT_EQ(EscapeControls("ok\rFAKE\n", block), "ok\\rFAKE\n");
  EXPECT_EQ(EscapeControls("\x1b[1A\x1b[2K", block), "\\u001b[1A\\u001b[2K");
}

TEST(EscapeTest, KeepColorsKeepsOnlyOurOwnColours) {
  EscapeOptions edge;
  edge.keep_newlines = true;
  edge.keep_colors = true;
  EXPECT_EQ(EscapeControls("\033[31mfailed\033[0m\n", edge), "\033[31mfailed\033[0m\n");
  EXPECT_EQ(EscapeControls("\033[8mhidden\033[0m", edge), "\\u001b[8mhidden\033[0m");
  EXPECT_EQ(EscapeControls("\033]52;c;Zm9v\a", edge), "\\u001b]52;c;Zm9v\\u0007");
  EXPECT_EQ(EscapeControls("\033[31m", {}), "\\u001b[31m");
}

// The escapes are JSON escapes: escaping a JSON document leaves the same document.
TEST(EscapeTest, EscapingJsonKeepsTheDocument) {
  const nlohmann::json doc = {{"v",
                               "a\xC2\x9B"
                               "b\x7f"
                               "c\xE2\x80\xAE"
                               "d"}};
  const std::string text = doc.dump(2, ' ', false);
  EscapeOptions block;
  block.keep_newlines = true;
  const std::string escaped = EscapeControls(text, block);
  EXPECT_NE(escaped, text);
  EXPECT_EQ(nlohmann::json::parse(escaped), doc);
}

}  // namespace
}  // namespace osfleet
