// Probing a database address from this server's own network position: DNS, SQL Server
// Browser (UDP 1434) for a named instance without a port, TCP connect with latency, and
// a TDS PRELOGIN exchange that confirms a SQL Server answers and reports its version.
// Oracle gets DNS + TCP (and a TNS CONNECT with identity). Blocking with per-step
// timeouts: run it off the gRPC threads.
// Name lookups run getaddrinfo on a detached thread (it has no timeout of its own); after a
// DNS timeout that thread finishes in the background, so their number is capped (DnsBudget).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/probe/fingerprint.h"
#include "common/model/address.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

enum class ProbeStepId { kNone, kParse, kDns, kSqlBrowser, kTcpConnect, kTdsPrelogin };

// Name lookups that may be in progress at once, counting those whose probe gave up and
// whose thread still waits on the resolver. Shared by the probes of one kind of caller.
struct DnsBudget {
  explicit DnsBudget(int max_lookups) : max(max_lookups) {}
  const int max;
  std::atomic<int> in_flight{0};
};

struct ProbeOptions {
  absl::Duration timeout = absl::Seconds(3);  // per step
  uint16_t sql_browser_port = 1434;           // tests point it at a fake browser
  // The client's cancel and deadline: asked before each step, while DNS runs and while
  // waiting for an answer; once cancelled the probe fails at that step with "stopped: ...".
  CancelToken cancel;
  // No step runs past it (the whole call's limit): a step's timeout is cut to what is left.
  absl::Time deadline = absl::InfiniteFuture();
  // Null: no cap on name lookups (tests); the agent gives each role a budget of its own.
  std::shared_ptr<DnsBudget> dns;
  // Also gather a Fingerprint: the TLS certificate inside PRELOGIN (or TDS 8.0), the SQL
  // Server Browser's word on the instance, and for Oracle a TNS CONNECT's answer.
  bool identity = false;
  // The INSTOPT sent in PRELOGIN: the instance the address must reach ("MSSQLSERVER" for a
  // default instance). Empty sends "\0", which every instance accepts.
  std::string instance_name;
};

struct ProbeOutcome {
  bool ok = false;
  std::vector<std::string> resolved;  // IP addresses DNS returned, in order
  uint32_t port = 0;                  // the TCP port that was (or would be) connected to
  absl::Duration connect_latency = absl::ZeroDuration();
  std::string server_version;  // "15.0.4153.1" from PRELOGIN; empty for Oracle
  ProbeStepId failed_step = ProbeStepId::kNone;
  // What failed and why, led by the step: "DNS: no such host 'db.invalid'", "TCP connect to
  // 10.0.0.5:1433 refused", "SQL Server Browser on 10.0.0.5:1434 did not answer within 3s
  // (...)", "TDS PRELOGIN: the server at 10.0.0.5:1433 answered with something that is not
  // TDS (first byte 0x48)".
  std::string error;
  Fingerprint fingerprint;  // with ProbeOptions::identity
};

// SQL Server: default instance -> port 1433 unless given; named instance without a port ->
// ask the SQL Server Browser on sql_browser_port (at the first resolved address) for the
// instance's tcp port. Every resolved address is tried in order until one connects; the
// TCP step's timeout covers all of them. "(local)" and "." mean localhost.
ProbeOutcome ProbeSqlServer(const SqlServerAddress& address, const ProbeOptions& options);

// Oracle: DNS then TCP connect to host:port. With options.identity, then a TNS CONNECT to
// the service (agent/probe/tns_connect.h, never a login) whose answer fills the
// fingerprint's tns fields; it does not change ok: a REFUSE, a silent listener or a
// cancel during it is recorded in tns_note.
ProbeOutcome ProbeOracle(const OracleAddress& address, const ProbeOptions& options);

}  // namespace osfleet::agent
