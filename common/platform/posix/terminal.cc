#include "common/platform/terminal.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace osfleet::platform {

bool StdinIsTerminal() { return isatty(STDIN_FILENO) == 1; }
bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1; }

std::optional<std::string> ReadHiddenLine(const std::string& prompt) {
  termios before{};
  if (!StdinIsTerminal() || tcgetattr(STDIN_FILENO, &before) != 0) return std::nullopt;
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  termios hidden = before;
  hidden.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  hidden.c_lflag |= ECHONL;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden);
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &before);
  if (!got) return std::nullopt;
  return line;
}

}  // namespace osfleet::platform
