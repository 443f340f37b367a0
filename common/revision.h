// The revision of a file: the SHA-256 of its bytes, lowercase hex.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace osfleet {

std::string Sha256Hex(absl::string_view bytes);

// The first 12 hex digits: how a revision is shown to people and in logs.
std::string ShortRevision(absl::string_view revision);

}  // namespace osfleet
