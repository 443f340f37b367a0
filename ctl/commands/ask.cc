#include "ctl/commands/ask.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/ascii.h"
#include "common/platform/terminal.h"

namespace osfleet::ctl {

bool CanAsk() { return platform::StdinIsTerminal(); }

bool AskYesNo(const std::string& question) {
  if (!CanAsk()) return false;
  std::fputs(question.c_str(), stderr);
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  const std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
  return word == "y" || word == "yes";
}

}  // namespace osfleet::ctl
