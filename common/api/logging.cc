#include "common/api/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <string>

#include <grpc/support/log.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/platform/files.h"
#include "common/text/escape.h"
#include "common/text/redact.h"

namespace osfleet {
namespace {

// %* in the pattern: the message as SafeLogText makes it.
class SafeMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string text = SafeLogText(absl::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SafeMessage>();
  }
};

}  // namespace

std::string SafeLogText(absl::string_view message) {
  return EscapeControls(RedactBasicCredentials(message));
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<SafeMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %n: %*");
  return formatter;
}

namespace {

constexpr std::size_t kLogFileBytes = 10 * 1024 * 1024;
constexpr std::size_t kLogFilesKept = 5;

absl::StatusOr<spdlog::level::level_enum> ParseLevel(absl::string_view level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--log-level: '", level, "' is not one of trace, debug, info, warn, error, off"));
  }
  return parsed;
}

void Install(std::shared_ptr<spdlog::logger> logger, spdlog::level::level_enum level) {
  logger->set_formatter(MakeLogFormatter());
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

// The folder part of a path ("" when it has none), either separator on Windows.
std::string FolderOf(const std::string& file) {
#ifdef _WIN32
  const std::size_t slash = file.find_last_of("\\/");
#else
  const std::size_t slash = file.find_last_of('/');
#endif
  return slash == std::string::npos || slash == 0 ? std::string() : file.substr(0, slash);
}

std::atomic<bool> grpc_quiet{true};

spdlog::level::level_enum GrpcLevel(gpr_log_severity severity) {
  if (grpc_quiet.load()) return spdlog::level::debug;
  switch (severity) {
    case GPR_LOG_SEVERITY_ERROR:
      return spdlog::level::warn;
    case GPR_LOG_SEVERITY_INFO:
      return spdlog::level::info;
    default:
      return spdlog::level::debug;
  }
}

// The file's name without its folders (gRPC passes its source path).
absl::string_view BaseName(const char* file) {
  absl::string_view path(file == nullptr ? "" : file);
  const size_t slash = path.find_last_of("/\\");
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

void LogGrpcLine(gpr_log_func_args* args) {
  spdlog::log(GrpcLevel(args->severity), "grpc: {} ({}:{})",
              args->message == nullptr ? "" : args->message, BaseName(args->file), args->line);
}

}  // namespace

void RouteGrpcLogging(bool quiet) {
  grpc_quiet.store(quiet);
  gpr_set_log_function(LogGrpcLine);
}

absl::Status SetUpLogging(absl::string_view program, absl::string_view level) {
  absl::StatusOr<spdlog::level::level_enum> parsed = ParseLevel(level);
  if (!parsed.ok()) return parsed.status();
  Install(spdlog::stderr_logger_mt(std::string(program)), *parsed);
  return absl::OkStatus();
}

absl::Status SetUpFileLogging(absl::string_view program, absl::string_view level,
                              const std::string& file) {
  absl::StatusOr<spdlog::level::level_enum> parsed = ParseLevel(level);
  if (!parsed.ok()) return parsed.status();
#ifdef _WIN32
  // spdlog opens narrow names in the ANSI code page: only ASCII names mean the same there.
  for (unsigned char c : file) {
    if (c >= 0x80) {
      return absl::InvalidArgumentError(
          absl::StrCat("log_file: '", file, "' has a non-ASCII letter; choose an ASCII path"));
    }
  }
#endif
  if (const std::string folder = FolderOf(file); !folder.empty()) {
    if (platform::Result<void> made = platform::MakeDirs(folder, 0755); !made.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("log_file ", file, ": ", made.error().Message()));
    }
  }
  std::shared_ptr<spdlog::sinks::rotating_file_sink_mt> sink;
  try {  // spdlog throws when it cannot open the file; nothing else of ours does
    sink =
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file, kLogFileBytes, kLogFilesKept);
  } catch (const spdlog::spdlog_ex& e) {
    return absl::FailedPreconditionError(absl::StrCat("log_file ", file, ": ", e.what()));
  }
  auto logger = std::make_shared<spdlog::logger>(std::string(program), std::move(sink));
  logger->flush_on(spdlog::level::trace);
  Install(std::move(logger), *parsed);
  return absl::OkStatus();
}

}  // namespace osfleet
