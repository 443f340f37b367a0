// What this machine is: for the agent's default name and its GetInfo answer.
#pragma once

#include <string>

namespace osfleet::platform {

// This machine's hostname; "unknown" when the OS does not say.
std::string HostName();

// The OS, its release and the machine: "Linux 6.1.0-18-amd64 x86_64"; "unknown" when the
// OS does not say.
std::string OperatingSystem();

// This process's id.
long CurrentProcessId();

}  // namespace osfleet::platform
