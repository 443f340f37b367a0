// Logging setup shared by osagent and osctl: spdlog to stderr, one format, a level by
// name, one line per record. Secrets never reach a log line: callers log addresses and
// revisions, never passwords or hashes, and every message is passed through SafeLogText
// (text from files, clients and servers may hold terminal escapes or an echoed credential).
#pragma once

#include <fmt/format.h>
#include <spdlog/formatter.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace osfleet {

// level: trace, debug, info, warn, error, critical, off. INVALID_ARGUMENT otherwise.
absl::Status SetUpLogging(absl::string_view program, absl::string_view level);

// The same records to a file instead of stderr (a service has no console): its folder is
// created, every record is flushed as it is written, and the file is rotated at 10 MiB,
// keeping 5 (FILE.1 the newest). INVALID_ARGUMENT for a bad level (and, on Windows, a
// non-ASCII path); FAILED_PRECONDITION when the file cannot be opened, naming it.
absl::Status SetUpFileLogging(absl::string_view program, absl::string_view level,
                              const std::string& file);

// gRPC's own log lines (gpr_log: handshake failures, "Socket closed", ...) go to the default
// spdlog logger instead of stderr, as "grpc: MESSAGE (file.cc:123)". quiet: every one at
// debug (osctl: seen with --verbose only); otherwise gRPC's errors at warn, its info at
// info and its debug at debug (osagent's log). Call after SetUpLogging / SetUpFileLogging.
void RouteGrpcLogging(bool quiet);

// A log message as it is written: any `Basic <user:password>` masked (redact.h), every
// control character escaped (escape.h: "\u001b", "\n"), so one record is one line.
std::string SafeLogText(absl::string_view message);

// "2026-01-02T03:04:05.678Z info osagent: MESSAGE" with the message through SafeLogText.
std::unique_ptr<spdlog::formatter> MakeLogFormatter();

}  // namespace osfleet

// Debian's Abseil has its own string_view (not std::string_view): teach fmt/spdlog it.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};
