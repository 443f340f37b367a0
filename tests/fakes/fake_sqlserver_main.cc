// osfleet-fake-sqlserver: FakeSqlServer as a process, for integration tests and the demo.
//   osfleet-fake-sqlserver --listen-port-file FILE [--browser-port-file FILE --instance NAME]
//                          [--version 15.0.4153.1] [--mode answer|silent|garbage]
// Writes each bound port to its file (atomically) once serving; runs until SIGTERM/SIGINT.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/fakes/fake_sqlserver.h"

namespace {

using osfleet::fakes::FakeSqlServer;

struct Flags {
  std::string listen_port_file;
  std::string browser_port_file;
  FakeSqlServer::Options options;
};

constexpr char kUsage[] =
    "usage: osfleet-fake-sqlserver --listen-port-file FILE [--browser-port-file FILE "
    "--instance NAME] [--version 15.0.4153.1] [--mode answer|silent|garbage]";

absl::Status SetMode(const std::string& text, FakeSqlServer::Options& options) {
  if (text == "answer") {
    options.mode = FakeSqlServer::Mode::kAnswer;
  } else if (text == "silent") {
    options.mode = FakeSqlServer::Mode::kSilent;
  } else if (text == "garbage") {
    options.mode = FakeSqlServer::Mode::kGarbage;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown --mode '", text, "'"));
  }
  return absl::OkStatus();
}

absl::Status ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
    const std::string value = argv[i + 1];
    if (name == "--listen-port-file") {
      flags.listen_port_file = value;
    } else if (name == "--browser-port-file") {
      flags.browser_port_file = value;
    } else if (name == "--instance") {
      flags.options.instance = value;
    } else if (name == "--version") {
      flags.options.version = value;
    } else if (name == "--mode") {
      if (absl::Status s = SetMode(value, flags.options); !s.ok()) return s;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", name, "'"));
    }
  }
  if (flags.listen_port_file.empty()) {
    return absl::InvalidArgumentError("--listen-port-file is required");
  }
  flags.options.serve_browser = !flags.browser_port_file.empty();
  return absl::OkStatus();
}

// Temp name then rename: a reader polling for the file never sees half a number.
absl::Status WritePortFile(const std::string& path, uint16_t port) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    out.close();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

int Fail(const absl::Status& status, int code) {
  std::fprintf(stderr, "osfleet-fake-sqlserver: %s\n", std::string(status.message()).c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (absl::Status s = ParseFlags(argc, argv, flags); !s.ok()) {
    std::fprintf(stderr, "%s\n", kUsage);
    return Fail(s, 2);
  }
  // Block the stop signals before any thread starts, then wait for one synchronously.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  FakeSqlServer server;
  if (absl::Status s = server.Start(flags.options); !s.ok()) return Fail(s, 1);
  if (absl::Status s = WritePortFile(flags.listen_port_file, server.tcp_port()); !s.ok()) {
    return Fail(s, 1);
  }
  if (!flags.browser_port_file.empty()) {
    if (absl::Status s = WritePortFile(flags.browser_port_file, server.browser_port()); !s.ok()) {
      return Fail(s, 1);
    }
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  return 0;
}
