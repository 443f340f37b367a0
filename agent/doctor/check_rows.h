// The rows of `osctl doctor` an agent answers, each made from what the agent found (a
// file's access, free bytes, a certificate's dates, a time): plain functions, so that
// every verdict and threshold is tested with any input and any clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/configuration_tool/tool_section.h"
#include "agent/doctor/check_row.h"
#include "agent/outsystems_services/service_manager.h"
#include "common/api/tls_check.h"
#include "common/model/hsconf.h"

namespace osfleet::agent {

// hsconf.parsed: ok with its databases (provider, address, catalog) and the Deployment
// Controller's address; fail with the parser's reason; warn for an encrypted address or an
// Oracle TNS alias (a rollout cannot change those; its plan says so too).
CheckRow HsconfParsedRow(const std::string& path, const absl::StatusOr<HsconfDocument>& doc);

// hsconf.advanced_settings: the addresses the advanced-settings elements hold (ADO.NET
// text appended to every connection string). Ok when they hold none; each finding else,
// one per line: warn for an override of the address (its own host: a move refuses unless
// --advanced-settings rewrite|keep; another host: the platform connects there, not to
// <Server>), a failover partner, and an element that cannot be read; a keyword that a
// later one overrides is only mentioned. Never fail: the plan decides with the target in
// hand. Never a password (only address keywords are read out).
CheckRow AdvancedSettingsRow(const absl::StatusOr<HsconfDocument>& doc);

// hsconf.writable: the agent replaces the file by writing a temporary file in its folder
// and renaming it over the file, so both must be writable by the agent. `file` and
// `folder` are what CheckAccess(kWrite) answered: nothing is written to find out.
CheckRow HsconfWritableRow(const std::string& path, const absl::Status& file,
                           const std::string& folder_path, const absl::Status& folder);

// state_dir.space. Every change keeps a backup of server.hsconf in the state dir (up to
// max_backups of them) next to the pending change and the audit log:
//   fail below kSpaceFailFactor x the file's size + kSpaceFailMargin (a change cannot
//        record its backup and pending record: Endpoints.Set would fail),
//   warn below max_backups x the file's size + kSpaceWarnMargin (not room for the backups
//        the agent keeps, plus its audit log and logs' growth).
inline constexpr uint64_t kSpaceFailFactor = 2;
inline constexpr uint64_t kSpaceFailMargin = uint64_t{1} << 20;    // 1 MiB
inline constexpr uint64_t kSpaceWarnMargin = uint64_t{100} << 20;  // 100 MiB
CheckRow StateDirSpaceRow(const std::string& state_dir, const absl::StatusOr<uint64_t>& available,
                          uint64_t hsconf_bytes, int max_backups);

// services.<name>: fail when its backend does not know it (the rollout's restart could
// not start it); else ok when running, warn when stopped, failed or in between (the
// rollout's restart starts it; a failing one fails the rollout's health check).
CheckRow ServiceRow(const ServiceManager::Known& service);

// configuration_tool: ok "not configured" without `configuration_tool:`; else fail when
// its program cannot be run (`runnable`: CheckAccess(kExecute) of command[0], never run
// here), ok otherwise. Both end with the Platform Server version and where it came from
// (`version` empty: unknown).
CheckRow ConfigurationToolRow(const std::optional<ConfigurationToolConfig>& tool,
                              const absl::Status& runnable, const std::string& version);

// agent.certificate: ok with days left; warn within kCertificateWarnWithin (30 days) of
// its end; fail once expired or not valid yet at `now` (every client refuses it then), or
// when it cannot be read. insecure: ok, no certificate (plaintext on loopback only).
CheckRow AgentCertificateRow(bool insecure, const std::string& path,
                             const absl::StatusOr<CertificateValidity>& validity, absl::Time now);

// "ok", "warn", "fail".
const char* CheckLevelName(CheckLevel level);

}  // namespace osfleet::agent
