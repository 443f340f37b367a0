// Whether a database's new address reaches the same database server as its current one:
// a verdict (same / different / unknown) judged from two probes' Fingerprints, with the
// evidence it rests on, strongest first. Pure: no sockets, no clock; the probes ran before.
//
// Evidence, by rule (SQL Server):
//   1. probe   either side's probe failed -> the verdict is unknown, and nothing else counts.
//   2. dns     the resolved address sets overlap and the port is the same -> same endpoint;
//              overlap on another port, or no overlap -> inconclusive.
//   3. version PRELOGIN VERSION differs -> different (equal: weak, inconclusive).
//      instance the new address's server answered INSTOPT "not instance X" while the current
//              one accepted X -> different.
//   4. certificate (both present; TDS 8.0's counts like any other):
//              current one unstable (changed between its two connections: a proxy) -> inconclusive;
//              identical and self-signed -> same (a fallback certificate is made per instance at
//              service start); identical CA-issued -> inconclusive (cluster nodes, replicas,
//              wildcards share one); different, at least one self-signed -> different;
//              different, both CA-issued -> inconclusive. A side without one -> inconclusive,
//              saying why.
//   5. sql_browser the SQL Server Browser's server and instance names: weak, never decisive.
// Oracle: 1 and 2 as above; tns: the new address's listener REFUSEs the current service with
// ERR=12514/12505 (and the current one does not) -> different; ACCEPT/REDIRECT/RESEND -> the
// service is there, which is not identity -> inconclusive.
//
// Precedence: the verdict is `same` when some strong (not weak) evidence points to same and
// none to different; `different` when some points to different and none to same; otherwise
// `unknown`. A conflict is therefore unknown: under DNS overlap (the very same endpoint) a
// certificate or version that differs means a load balancer or proxy in front, and both lines
// are kept. Order of the evidence: decisive lines (rule order), then inconclusive, then weak.
#pragma once

#include <string>
#include <vector>

#include "agent/probe/probe.h"
#include "common/model/address.h"

namespace osfleet::agent {

enum class Verdict { kSame, kDifferent, kUnknown };

struct Evidence {
  std::string kind;  // "probe", "dns", "version", "instance", "certificate", "sql_browser", "tns"
  Verdict points_to = Verdict::kUnknown;
  std::string detail;  // specific: names, addresses, certificates shortened to 16 hex digits
  bool weak = false;   // never decides on its own
};

struct Identity {
  Verdict verdict = Verdict::kUnknown;
  std::string current_address;  // what the target was compared with
  std::vector<Evidence> evidence;
};

// The probes of a SQL Server comparison: the current address twice (two connections, to know
// whether its certificate is stable), the candidate once, with INSTOPT = the current instance.
struct SqlServerSides {
  SqlServerAddress current_address;
  SqlServerAddress candidate_address;
  ProbeOutcome current;
  ProbeOutcome current_again;
  ProbeOutcome candidate;
};

struct OracleSides {
  OracleAddress current_address;
  OracleAddress candidate_address;
  ProbeOutcome current;
  ProbeOutcome candidate;
};

// The instance an address must reach, as INSTOPT names it: its own name, "MSSQLSERVER" for a
// default instance on 1433, and "" (send none) for "host,port", which may be a named
// instance on a static port.
std::string InstanceOf(const SqlServerAddress& address);

Identity JudgeSqlServer(const SqlServerSides& sides);
Identity JudgeOracle(const OracleSides& sides);

// When a side could not be parsed or probed at all: unknown, saying why.
Identity Inconclusive(std::string current_address, std::string why);

// "same", "different", "unknown".
const char* VerdictName(Verdict verdict);

}  // namespace osfleet::agent
