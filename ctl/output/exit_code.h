// osctl's exit codes (docs: 0 all ok, 1 some host failed, 2 usage or input error, 3 refused
// by preflight) and the one mapping from a status to them. A refusal is typed: a payload on
// the status (MarkRefused), never a word in its message.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "ctl/output/report.h"

namespace osfleet::ctl {

enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitRefused = 3 };

// The payload type URL that marks a status as a refusal: nothing was changed anywhere.
inline constexpr char kRefusedTypeUrl[] = "type.osfleet.dev/refused";

// The same status (code and message unchanged), marked as a refusal.
absl::Status MarkRefused(absl::Status status);
bool IsRefused(const absl::Status& status);

// OK: 0; refused: 3; INVALID_ARGUMENT or NOT_FOUND (the operator's input): 2; else 1.
int ExitCodeFor(const absl::Status& status);

// No host failed: 0; every failure is the operator's input (INVALID_ARGUMENT): 2; else
// code_when_some_failed.
int ExitCodeForHosts(const std::vector<HostFailure>& failures, int code_when_some_failed);

// A plan's exit code: no failure 0; only the operator's input (INVALID_ARGUMENT) 2; only
// servers refusing the change (FAILED_PRECONDITION: e.g. an advanced-settings address
// naming the old host, an encrypted address) besides input errors 3, as `endpoints set`
// exits on the same plan; any other failure (a host that did not answer) 1.
int ExitCodeForPlan(const std::vector<HostFailure>& failures);

// Prints "osctl: <message>" on stderr and returns ExitCodeFor(status).
int ReportError(const absl::Status& status);

}  // namespace osfleet::ctl
