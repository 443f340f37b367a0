// The revision of a file: the SHA-256 of its bytes, lowercase hex.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace osfleet {

std::string Sha256Hex(absl::string_view bytes);

// The first 12 hex digits: for a table column only. Messages carry the whole revision:
// two revisions that differ only after the twelfth digit must not look equal.
std::string ShortRevision(absl::string_view revision);

// The ABORTED message of a compare-and-set that found server.hsconf at `actual` instead of
// `expected`, both revisions in full.
std::string RevisionConflict(absl::string_view actual, absl::string_view expected);

}  // namespace osfleet
