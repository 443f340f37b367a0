// How the platform layer reports a failure: the OS's own code and what was being done,
// in standard C++ only (this layer builds without absl; common/io/os_status.h turns an Error
// into an absl::Status).
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace osfleet::platform {

// Conditions the platform layer reports itself, besides the OS's error codes.
enum class Errc {
  kNotRegularFile = 1,  // a file was expected (not a folder, a FIFO, a device)
  kTooLarge,            // a file is larger than the caller's limit
  kLockHeld,            // another process (or another FileLock) holds the lock
  kCannotStart,         // a child process could not run its program
  kDeadlineExceeded,    // the caller's deadline passed first
  kInvalidArgument,     // the caller asked for something that cannot be done
  kNoSuchHost,          // name resolution: the name does not exist
  kNoAddresses,         // name resolution: the name exists but has no address
  kTryAgain,            // name resolution: no DNS server gave an answer
};

const std::error_category& PlatformCategory();
std::error_code make_error_code(Errc errc);

struct Error {
  // errno values (generic_category) on POSIX, Windows error codes (system_category) on
  // Windows, or an Errc.
  std::error_code code;
  // What was being done, e.g. "writing /x/.server.hsconf.tmp-AbC". For an Errc it is the
  // whole sentence ("/x is not a regular file").
  std::string what;

  // "writing /x/.tmp-AbC: No space left on device"; for an Errc, `what` alone.
  std::string Message() const;
  // The code's own text ("No space left on device").
  std::string Reason() const { return code.message(); }
  bool NotFound() const { return code == std::errc::no_such_file_or_directory; }
};

// A value or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : value_(value) {}          // NOLINT: implicit, like StatusOr
  Result(T&& value) : value_(std::move(value)) {}    // NOLINT
  Result(Error error) : value_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.index() == 0; }
  const Error& error() const { return std::get<1>(value_); }
  T& value() & { return std::get<0>(value_); }
  const T& value() const& { return std::get<0>(value_); }
  T&& value() && { return std::get<0>(std::move(value_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> value_;
};

// Success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace osfleet::platform

template <>
struct std::is_error_code_enum<osfleet::platform::Errc> : std::true_type {};
