// Keeps the agent's memory out of crash dumps: it holds the database administrator's
// password while a change is pending (issue 26, finding 4: a core file of a crashed agent
// held it four times). Called once at start, before any credential arrives.
#pragma once

#include "common/platform/result.h"

namespace osfleet::platform {

// POSIX: the core file size limit set to 0 (soft and hard, so a child cannot raise it)
// and, on Linux, the process made non-dumpable (no core, and /proc/PID/mem readable only
// with CAP_SYS_PTRACE). Windows: no Windows Error Reporting fault dialog or report for
// this process (SetErrorMode SEM_NOGPFAULTERRORBOX, and the executable excluded from
// WER); a LocalDumps policy set by an administrator is theirs to remove.
Result<void> DisableCoreDumps();

// Freed heap memory overwritten when it is freed, so that what the agent had no way to
// wipe itself — gRPC's read buffers, which held the request that carried a password — is
// gone once freed. glibc: the process runs with GLIBC_TUNABLES
// glibc.malloc.perturb (freed blocks filled with a byte) and glibc.malloc.tcache_count=0
// (no per-thread cache, whose blocks perturb skips); tunables are read only when a program
// starts, so without them this re-executes the program once (same process id) with them
// added — call it first in main(), before any thread. Elsewhere: nothing.
void ScrubFreedMemory(char** argv);

}  // namespace osfleet::platform
