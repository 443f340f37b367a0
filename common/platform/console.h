// osctl's console: colours and non-ASCII text shown as written, and the command line read
// as UTF-8. On Windows the classic console shows escape sequences raw and writes bytes in
// the OEM code page unless told otherwise; POSIX terminals need nothing.
#pragma once

#include <string>
#include <vector>

namespace osfleet::platform {

// What PrepareConsole did.
struct ConsoleState {
  bool stdout_color = false;  // escape sequences on stdout are shown as colours
  bool stderr_color = false;  // the same for stderr
  bool utf8_output = false;   // the console shows UTF-8 output as text (or it is no console)
};

// Called once at the program's start (later calls return the first result). Windows: for
// stdout and stderr, when each is a console, turns on virtual-terminal processing
// (SetConsoleMode ENABLE_VIRTUAL_TERMINAL_PROCESSING; an old console refuses it: no colour
// then), and sets the console's output code page to UTF-8 (SetConsoleOutputCP(CP_UTF8))
// and puts the C runtime's stdout / stderr on a console in binary mode with a buffer (its
// text mode converts each byte through the C locale, and its unbuffered writes split UTF-8
// characters): whoever writes there must flush;
// the console's modes and code page are given back when the program exits. A pipe or a file
// gets the bytes as they are and no colour. POSIX: changes nothing; colour where stdout /
// stderr is a terminal.
ConsoleState PrepareConsole();

// The program's arguments in UTF-8, argv[0] first. Windows: read again from the UTF-16
// command line (GetCommandLineW, CommandLineToArgvW): the C runtime's argv is in the ANSI
// code page and loses the letters outside it ("Zürich" survives, "Łódź" or "東京" do not).
// POSIX: argv as given.
std::vector<std::string> Utf8Arguments(int argc, char** argv);

}  // namespace osfleet::platform
