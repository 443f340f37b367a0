// Running a program as a person at a terminal would: stdin, stdout and stderr on a
// pseudo-terminal, so that osctl asks its questions, and answers typed when they appear.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {

// Runs argv on a new pseudo-terminal; once `prompt` appears in what it wrote, types
// `answer` (a line: end it with "\n"). Returns its exit code and everything it wrote, stdout
// and stderr together, in `out` (line ends as the terminal sent them: "\r\n"). A program
// still running after `timeout` is killed (exit code 128+9).
ProcessResult RunOnTerminal(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& env,
                            const std::string& prompt, const std::string& answer,
                            absl::Duration timeout = absl::Seconds(90));

// One exchange of a conversation: once `wait_for` appears in what the program wrote (after
// where the previous exchange's text was found), types `type` (a line, or "\x03": Ctrl-C,
// which the terminal turns into SIGINT for the program).
struct TerminalStep {
  std::string wait_for;
  std::string type;
};

// RunOnTerminal with several exchanges, in order.
ProcessResult RunOnTerminalSteps(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 const std::vector<TerminalStep>& steps,
                                 absl::Duration timeout = absl::Seconds(90));

}  // namespace osfleet::testing
