// Child processes as the outsystems_services backends see them; common/platform/child_process.h
// starts, watches and stops them.
#pragma once

#include <string>

#include "common/platform/child_process.h"

namespace osfleet::agent {

using platform::OutputTail;

// "exited with status 3", "was killed by signal 9 (SIGKILL)".
inline std::string DescribeWaitStatus(int wait_status) {
  return platform::ExitStatus{wait_status}.Describe();
}

}  // namespace osfleet::agent
