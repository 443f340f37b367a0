// An owned file descriptor (a C runtime descriptor on Windows), closed on every return path.
// The platform's POSIX code and the test fakes use it; callers of the platform API never
// see a descriptor.
#pragma once

namespace osfleet::platform {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();
  // Closes now and reports close()'s result: 0, or -1 with errno set.
  int Close();

 private:
  int fd_ = -1;
};

}  // namespace osfleet::platform
