// Durable appends for the audit log: each call opens the file (created private, 0600),
// appends, syncs and closes it, so that a record is on disk when the call returns.
#pragma once

#include <string>
#include <string_view>

#include "common/platform/result.h"

namespace osfleet::platform {

// Appends bytes at the end of path, whatever other appenders wrote in between, then syncs.
// The Error's `what` is the step alone: "open", "write", "fsync" or "close".
Result<void> AppendDurably(const std::string& path, std::string_view bytes);

}  // namespace osfleet::platform
