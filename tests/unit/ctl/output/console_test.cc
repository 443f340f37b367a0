// osctl's one writer: the status line is erased before every line and drawn again after,
// never drawn when off, and a question stays alone on the screen until answered.
#include "ctl/output/console.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

// stdout and stderr of one terminal, in the order written; [E] marks an erase.
class ConsoleTest : public ::testing::Test {
 protected:
  std::string Screen() const { return screen_; }
  static std::string Tag(absl::string_view text, const char* stream) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text.substr(i, 4) == "\r\033[K") {
        out += "[E]";
        i += 3;
      } else {
        out += text[i];
      }
    }
    return std::string(stream) + out + "|";
  }

  std::string screen_;
  Console console_{[this](absl::string_view t) { screen_ += Tag(t, "out:"); },
                   [this](absl::string_view t) { screen_ += Tag(t, "err:"); }};
};

TEST_F(ConsoleTest, WithoutTheStatusLineTextGoesOutAsItIs) {
  console_.SetStatus("batch 1/2");
  console_.Out("line 1\n");
  console_.Err("oops\n");
  EXPECT_EQ(Screen(), "out:line 1\n|err:oops\n|");
}

TEST_F(ConsoleTest, TheStatusLineIsErasedBeforeEachLineAndDrawnAgainAfter) {
  console_.EnableStatus(true);
  console_.SetStatus("batch 1/2 · fe01 ConfigurationTool 3s");
  console_.Out("  1.0s  host  fe01  changed\n");
  console_.SetStatus("batch 1/2 · fe01 ConfigurationTool 4s");
  console_.SetStatus("batch 1/2 · fe01 ConfigurationTool 4s");  // the same: not redrawn
  EXPECT_EQ(Screen(),
            "err:[E]batch 1/2 · fe01 ConfigurationTool 3s|"
            "err:[E]|out:  1.0s  host  fe01  changed\n|"
            "err:[E]batch 1/2 · fe01 ConfigurationTool 3s|"
            "err:[E]batch 1/2 · fe01 ConfigurationTool 4s|");
  screen_.clear();
  console_.SetStatus("");
  console_.Out("summary\n");
  EXPECT_EQ(Screen(), "err:[E]|out:summary\n|");
}

TEST_F(ConsoleTest, TurningItOffErasesIt) {
  console_.EnableStatus(true);
  console_.SetStatus("batch 1/1");
  console_.EnableStatus(false);
  console_.Out("done\n");
  EXPECT_EQ(Screen(), "err:[E]batch 1/1|err:[E]|out:done\n|");
}

TEST_F(ConsoleTest, AQuestionHoldsTheLinesWrittenMeanwhileUntilAnswered) {
  console_.EnableStatus(true);
  console_.SetStatus("batch 2/4");
  screen_.clear();
  console_.Ask("Roll back? [y/N] ");
  console_.Out("heartbeat line\n");
  console_.SetStatus("batch 3/4");  // remembered, not drawn over the question
  console_.Err("a notice\n");
  EXPECT_EQ(Screen(), "err:[E]|err:Roll back? [y/N] |");
  console_.Answered("\n");
  EXPECT_EQ(Screen(),
            "err:[E]|err:Roll back? [y/N] |err:\n|out:heartbeat line\n|err:a notice\n|"
            "err:[E]batch 3/4|");
}

}  // namespace
}  // namespace osfleet::ctl
