// The CRL an agent enforces (tls.crl), kept current without a restart: a background thread
// re-reads the file every poll interval and, when its bytes changed, checks the new CRLs
// against the tls.ca bundle. A file that does not parse or is not signed by that CA is
// refused (logged once) and the last good list stays in force. CRLs never go back: a CRL
// older (lower crlNumber, or older thisUpdate when the numbers are equal or missing) than the
// one of the same issuer already in force is refused too. The newest CRL of each issuer is
// recorded in the agent's state folder, so that a restart with an older CRL on disk refuses
// to start instead of un-revoking certificates. gRPC threads only look up the current list
// in memory: no disk I/O on them.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "agent/admission/revocation_list.h"

namespace osfleet::agent {

inline constexpr absl::Duration kCrlPollInterval = absl::Seconds(1);

class CrlStore {
 public:
  // Reads ca_path (the tls.ca bundle), the record of the newest CRLs enforced (record_path;
  // empty: none kept) and crl_path. A CRL that cannot be read, does not parse, is not signed
  // by a CA of the bundle or is older than the recorded one of its issuer is an error naming
  // the file (at start-up the agent refuses to run with it); so is a record that does not
  // parse.
  static absl::StatusOr<std::unique_ptr<CrlStore>> Open(const std::string& crl_path,
                                                        const std::string& ca_path,
                                                        const std::string& record_path = "");
  ~CrlStore();
  CrlStore(const CrlStore&) = delete;
  CrlStore& operator=(const CrlStore&) = delete;

  // Re-reads the file. true: its bytes changed and the new list is in force; false: they did
  // not change (nothing parsed). An error (unreadable, not a CRL, bad signature, older than
  // the one in force) leaves the last good list in force; the same bad bytes are not parsed
  // (nor reported) again.
  absl::StatusOr<bool> Reload();
  // Calls Reload every `interval` on a thread of its own and logs what changed, once.
  void StartPolling(absl::Duration interval = kCrlPollInterval);

  // Set when `cert` is revoked by the list in force. Memory only: safe on any thread.
  std::optional<Revocation> Find(X509* cert) const;
  std::shared_ptr<const RevocationList> current() const;
  const std::string& path() const { return crl_path_; }

 private:
  CrlStore(std::string crl_path, std::string ca_pem, std::string record_path);
  void Poll();
  void PollOnce();
  // Adds the list's versions to versions_ and records them (a failure is logged: the list
  // is in force all the same).
  void Remember(const RevocationList& list) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);

  const std::string crl_path_;
  const std::string ca_pem_;
  const std::string record_path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const RevocationList> current_ ABSL_GUARDED_BY(mu_);
  absl::Mutex reload_mu_;  // one Reload at a time
  std::string last_bytes_ ABSL_GUARDED_BY(reload_mu_);
  CrlVersions versions_ ABSL_GUARDED_BY(reload_mu_);  // the newest enforced, by issuer
  // Poll thread only.
  std::string last_error_;
  bool warned_stale_ = false;
  absl::Duration interval_;
  absl::Notification stop_;
  std::thread poller_;
};

}  // namespace osfleet::agent
