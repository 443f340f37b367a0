// The CRL an agent enforces (tls.crl), kept current without a restart: a background thread
// re-reads the file every poll interval and, when its bytes changed, checks the new CRLs
// against the tls.ca bundle. A file that does not parse or is not signed by that CA is
// refused (logged once) and the last good list stays in force. gRPC threads only look up
// the current list in memory: no disk I/O on them.
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
  // Reads ca_path (the tls.ca bundle) and crl_path. A CRL that cannot be read, does not
  // parse or is not signed by a CA of the bundle is an error naming the file (at start-up
  // the agent refuses to run with it).
  static absl::StatusOr<std::unique_ptr<CrlStore>> Open(const std::string& crl_path,
                                                        const std::string& ca_path);
  ~CrlStore();
  CrlStore(const CrlStore&) = delete;
  CrlStore& operator=(const CrlStore&) = delete;

  // Re-reads the file. true: its bytes changed and the new list is in force; false: they did
  // not change (nothing parsed). An error (unreadable, not a CRL, bad signature) leaves the
  // last good list in force; the same bad bytes are not parsed (nor reported) again.
  absl::StatusOr<bool> Reload();
  // Calls Reload every `interval` on a thread of its own and logs what changed, once.
  void StartPolling(absl::Duration interval = kCrlPollInterval);

  // Set when `cert` is revoked by the list in force. Memory only: safe on any thread.
  std::optional<Revocation> Find(X509* cert) const;
  std::shared_ptr<const RevocationList> current() const;
  const std::string& path() const { return crl_path_; }

 private:
  CrlStore(std::string crl_path, std::string ca_pem);
  void Poll();
  void PollOnce();

  const std::string crl_path_;
  const std::string ca_pem_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const RevocationList> current_ ABSL_GUARDED_BY(mu_);
  absl::Mutex reload_mu_;  // one Reload at a time
  std::string last_bytes_ ABSL_GUARDED_BY(reload_mu_);
  // Poll thread only.
  std::string last_error_;
  bool warned_stale_ = false;
  absl::Duration interval_;
  absl::Notification stop_;
  std::thread poller_;
};

}  // namespace osfleet::agent
