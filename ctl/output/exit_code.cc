#include "ctl/output/exit_code.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "common/text/escape.h"
#include "common/text/redact.h"
#include "ctl/output/console.h"

namespace osfleet::ctl {

absl::Status MarkRefused(absl::Status status) {
  if (!status.ok()) status.SetPayload(kRefusedTypeUrl, absl::Cord());
  return status;
}

bool IsRefused(const absl::Status& status) {
  return status.GetPayload(kRefusedTypeUrl).has_value();
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (IsRefused(status)) return kExitRefused;
  if (absl::IsInvalidArgument(status) || absl::IsNotFound(status)) return kExitUsage;
  return kExitFailed;
}

int ExitCodeForHosts(const std::vector<HostFailure>& failures, int code_when_some_failed) {
  if (failures.empty()) return kExitOk;
  const bool input = std::all_of(failures.begin(), failures.end(), [](const HostFailure& f) {
    return f.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
  });
  return input ? kExitUsage : code_when_some_failed;
}

int ExitCodeForPlan(const std::vector<HostFailure>& failures) {
  const int input = ExitCodeForHosts(failures, kExitFailed);
  if (input != kExitFailed) return input;
  const bool refused = std::all_of(failures.begin(), failures.end(), [](const HostFailure& f) {
    return f.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
           f.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
  });
  return refused ? kExitRefused : kExitFailed;
}

int ReportError(const absl::Status& status) {
  EscapeOptions block;  // a message may hold a command's last lines
  block.keep_newlines = true;
  StdConsole().Err(absl::StrCat(
      "osctl: ", EscapeControls(RedactBasicCredentials(status.message()), block), "\n"));
  return ExitCodeFor(status);
}

}  // namespace osfleet::ctl
