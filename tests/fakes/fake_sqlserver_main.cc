// osfleet-fake-sqlserver: FakeSqlServer as a process, for integration tests and the demo.
// See kUsage; fake_sqlserver.h gives the sources of each behaviour. Writes each bound port
// to its file (atomically) once serving; runs until SIGTERM/SIGINT.

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/fakes/fake_process.h"
#include "tests/fakes/fake_sqlserver.h"

namespace {

using osfleet::fakes::FakeSqlServer;

struct Flags {
  std::string listen_port_file;
  std::string browser_port_file;
  FakeSqlServer::Options options;
};

constexpr char kUsage[] =
    "usage: osfleet-fake-sqlserver --listen-port-file FILE [--listen IP]... [--port N]\n"
    "         [--instance NAME] [--browser-port-file FILE] [--version 15.0.4153.1]\n"
    "         [--mode answer|silent|garbage|bad-tls|stall-tls] [--tls fallback|files|none]\n"
    "         [--cert PEM --key PEM] [--force-encryption] [--strict]\n"
    "  --listen IP          an IPv4 address to listen on (repeatable; default 127.0.0.1);\n"
    "                       every address serves the same port and the same instance\n"
    "  --instance NAME      the instance's name (INSTOPT, Browser; default MSSQLSERVER)\n"
    "  --browser-port-file  also serve a SQL Server Browser (UDP, first address)\n"
    "  --tls fallback       a self-signed certificate made at start (default);\n"
    "        files          --cert/--key (PEM); none: ENCRYPT_NOT_SUP, no TLS\n"
    "  --force-encryption   answer ENCRYPT_REQ\n"
    "  --strict             TDS 8.0 only: TLS first (ALPN tds/8.0)";

absl::Status SetMode(const std::string& text, FakeSqlServer::Options& options) {
  if (text == "answer") {
    options.mode = FakeSqlServer::Mode::kAnswer;
  } else if (text == "silent") {
    options.mode = FakeSqlServer::Mode::kSilent;
  } else if (text == "garbage") {
    options.mode = FakeSqlServer::Mode::kGarbage;
  } else if (text == "bad-tls") {
    options.mode = FakeSqlServer::Mode::kBadTls;
  } else if (text == "stall-tls") {
    options.mode = FakeSqlServer::Mode::kStallTls;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown --mode '", text, "'"));
  }
  return absl::OkStatus();
}

absl::Status SetTls(const std::string& text, FakeSqlServer::Options& options) {
  if (text == "fallback") {
    options.tls = FakeSqlServer::TlsSource::kFallback;
  } else if (text == "files") {
    options.tls = FakeSqlServer::TlsSource::kFiles;
  } else if (text == "none") {
    options.tls = FakeSqlServer::TlsSource::kNone;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --tls '", text, "' (fallback, files or none)"));
  }
  return absl::OkStatus();
}

// The flags without a value; false when `name` is not one.
bool SetSwitch(const std::string& name, FakeSqlServer::Options& options) {
  if (name == "--force-encryption") {
    options.force_encryption = true;
  } else if (name == "--strict") {
    options.strict = true;
  } else {
    return false;
  }
  return true;
}

absl::Status SetPort(const std::string& value, FakeSqlServer::Options& options) {
  uint32_t port = 0;
  if (!absl::SimpleAtoi(value, &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--port '", value, "' is not a port number"));
  }
  options.port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

absl::Status CheckFlags(Flags& flags, bool listen_given) {
  if (flags.listen_port_file.empty()) {
    return absl::InvalidArgumentError("--listen-port-file is required");
  }
  const bool files = flags.options.tls == FakeSqlServer::TlsSource::kFiles;
  if (files != (!flags.options.cert_file.empty() && !flags.options.key_file.empty())) {
    return absl::InvalidArgumentError("--tls files needs --cert and --key (and they need it)");
  }
  if (!listen_given) flags.options.listen = {"127.0.0.1"};
  flags.options.serve_browser = !flags.browser_port_file.empty();
  return absl::OkStatus();
}

absl::Status ParseFlags(int argc, char** argv, Flags& flags) {
  bool listen_given = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (SetSwitch(name, flags.options)) {
      --i;  // no value
      continue;
    }
    if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
    const std::string value = argv[i + 1];
    if (name == "--listen") {
      if (!listen_given) flags.options.listen.clear();
      listen_given = true;
      flags.options.listen.push_back(value);
    } else if (name == "--port") {
      if (absl::Status s = SetPort(value, flags.options); !s.ok()) return s;
    } else if (name == "--tls") {
      if (absl::Status s = SetTls(value, flags.options); !s.ok()) return s;
    } else if (name == "--cert") {
      flags.options.cert_file = value;
    } else if (name == "--key") {
      flags.options.key_file = value;
    } else if (name == "--listen-port-file") {
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
  return CheckFlags(flags, listen_given);
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
  osfleet::fakes::BlockStopSignals();  // before the serving thread starts
  FakeSqlServer server;
  if (absl::Status s = server.Start(flags.options); !s.ok()) return Fail(s, 1);
  if (absl::Status s = osfleet::fakes::WritePortFile(flags.listen_port_file, server.tcp_port());
      !s.ok()) {
    return Fail(s, 1);
  }
  if (!flags.browser_port_file.empty()) {
    if (absl::Status s =
            osfleet::fakes::WritePortFile(flags.browser_port_file, server.browser_port());
        !s.ok()) {
      return Fail(s, 1);
    }
  }
  osfleet::fakes::WaitForStopSignal();
  server.Stop();
  return 0;
}
