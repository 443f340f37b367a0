// POSIX implementation helpers: an Error from errno (not part of the platform API).
#pragma once

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "common/platform/result.h"

namespace osfleet::platform::posix {

inline Error ErrnoError(int error, std::string what) {
  return Error{std::error_code(error, std::generic_category()), std::move(what)};
}

inline Error PlatformError(Errc errc, std::string what) {
  return Error{make_error_code(errc), std::move(what)};
}

}  // namespace osfleet::platform::posix
