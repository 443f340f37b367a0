#include "agent/admission/crl_store.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/logging.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxCrlBytes = 64 << 20;
constexpr size_t kMaxCaBytes = 1 << 20;

}  // namespace

CrlStore::CrlStore(std::string crl_path, std::string ca_pem)
    : crl_path_(std::move(crl_path)), ca_pem_(std::move(ca_pem)) {}

absl::StatusOr<std::unique_ptr<CrlStore>> CrlStore::Open(const std::string& crl_path,
                                                         const std::string& ca_path) {
  absl::StatusOr<std::string> ca = ReadFileCapped(ca_path, kMaxCaBytes);
  if (!ca.ok()) {
    return absl::Status(ca.status().code(), absl::StrCat("tls.ca: ", ca.status().message()));
  }
  std::unique_ptr<CrlStore> store(new CrlStore(crl_path, *std::move(ca)));
  if (absl::StatusOr<bool> loaded = store->Reload(); !loaded.ok()) {
    return absl::Status(loaded.status().code(),
                        absl::StrCat("tls.crl: ", loaded.status().message()));
  }
  spdlog::info("tls.crl {}: {}", crl_path, store->current()->Summary());
  return store;
}

CrlStore::~CrlStore() {
  stop_.Notify();
  if (poller_.joinable()) poller_.join();
}

absl::StatusOr<bool> CrlStore::Reload() {
  absl::MutexLock reload(&reload_mu_);
  absl::StatusOr<std::string> bytes = ReadFileCapped(crl_path_, kMaxCrlBytes);
  if (!bytes.ok()) {
    last_bytes_.clear();  // when it comes back, even unchanged, it is checked again
    return bytes.status();
  }
  if (!last_bytes_.empty() && *bytes == last_bytes_) return false;
  last_bytes_ = *bytes;
  absl::StatusOr<RevocationList> list = RevocationList::Parse(*bytes, crl_path_, ca_pem_);
  if (!list.ok()) return list.status();
  auto next = std::make_shared<const RevocationList>(*std::move(list));
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  return true;
}

void CrlStore::StartPolling(absl::Duration interval) {
  interval_ = interval;
  poller_ = std::thread([this] { Poll(); });
}

void CrlStore::Poll() {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) PollOnce();
}

void CrlStore::PollOnce() {
  absl::StatusOr<bool> changed = Reload();
  std::shared_ptr<const RevocationList> list = current();
  if (!changed.ok()) {
    if (changed.status().message() != last_error_) {
      last_error_ = std::string(changed.status().message());
      spdlog::error("tls.crl: {}; refused, still enforcing the last good {}", last_error_,
                    list->Summary());
    }
    return;
  }
  if (*changed) {
    last_error_.clear();
    warned_stale_ = false;
    spdlog::info("tls.crl {}: loaded {}", crl_path_, list->Summary());
  }
  if (!warned_stale_ && list->next_update() < absl::Now()) {
    warned_stale_ = true;
    spdlog::warn(
        "tls.crl {}: its next update has passed; still enforcing it (sign a new one "
        "with `osctl pki crl --renew` and copy it here)",
        crl_path_);
  }
}

std::shared_ptr<const RevocationList> CrlStore::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

std::optional<Revocation> CrlStore::Find(X509* cert) const {
  std::shared_ptr<const RevocationList> list = current();
  return list != nullptr ? list->Find(cert) : std::nullopt;
}

}  // namespace osfleet::agent
