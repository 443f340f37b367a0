// osfleet-fake-oracle: FakeTnsListener as a process, for integration tests and the demo.
//   osfleet-fake-oracle --listen-port-file FILE [--listen IP]... [--service NAME]...
//                       [--sid NAME]... [--mode accept|redirect|resend|silent]
// Listens on one port (written to FILE, atomically, once serving) of each --listen IP
// (default 127.0.0.1); knows each --service (default OSSVC unless --service or --sid is
// given) and --sid. Runs until SIGTERM/SIGINT.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/fakes/fake_process.h"
#include "tests/fakes/fake_tns_listener.h"

namespace {

using osfleet::fakes::FakeTnsListener;

struct Flags {
  std::string listen_port_file;
  FakeTnsListener::Options options;
};

constexpr char kUsage[] =
    "usage: osfleet-fake-oracle --listen-port-file FILE [--listen IP]... [--service NAME]... "
    "[--sid NAME]... [--mode accept|redirect|resend|silent]";

absl::Status SetMode(const std::string& text, FakeTnsListener::Options& options) {
  if (text == "accept") {
    options.mode = FakeTnsListener::Mode::kAccept;
  } else if (text == "redirect") {
    options.mode = FakeTnsListener::Mode::kRedirect;
  } else if (text == "resend") {
    options.mode = FakeTnsListener::Mode::kResend;
  } else if (text == "silent") {
    options.mode = FakeTnsListener::Mode::kSilent;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown --mode '", text, "'"));
  }
  return absl::OkStatus();
}

absl::Status ParseFlags(int argc, char** argv, Flags& flags) {
  std::vector<std::string> listen, services, sids;
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
    const std::string value = argv[i + 1];
    if (name == "--listen-port-file") {
      flags.listen_port_file = value;
    } else if (name == "--listen") {
      listen.push_back(value);
    } else if (name == "--service") {
      services.push_back(value);
    } else if (name == "--sid") {
      sids.push_back(value);
    } else if (name == "--mode") {
      if (absl::Status s = SetMode(value, flags.options); !s.ok()) return s;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", name, "'"));
    }
  }
  if (flags.listen_port_file.empty()) {
    return absl::InvalidArgumentError("--listen-port-file is required");
  }
  if (!listen.empty()) flags.options.listen = listen;
  if (!services.empty() || !sids.empty()) {
    flags.options.services = services;
    flags.options.sids = sids;
  }
  return absl::OkStatus();
}

int Fail(const absl::Status& status, int code) {
  std::fprintf(stderr, "osfleet-fake-oracle: %s\n", std::string(status.message()).c_str());
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
  FakeTnsListener listener;
  if (absl::Status s = listener.Start(flags.options); !s.ok()) return Fail(s, 1);
  if (absl::Status s = osfleet::fakes::WritePortFile(flags.listen_port_file, listener.port());
      !s.ok()) {
    return Fail(s, 1);
  }
  osfleet::fakes::WaitForStopSignal();
  listener.Stop();
  return 0;
}
