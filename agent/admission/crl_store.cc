#include "agent/admission/crl_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/api/logging.h"
#include "common/io/atomic_file.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxCrlBytes = 64 << 20;
constexpr size_t kMaxCaBytes = 1 << 20;
constexpr size_t kMaxRecordBytes = 1 << 20;

// The record: {"crls": [{"issuer": "CN=..", "issuer_der": "<hex>", "number": 2,
// "this_update": <unix seconds>}, ...]}.
std::string EncodeVersions(const CrlVersions& versions) {
  nlohmann::json crls = nlohmann::json::array();
  for (const auto& [der, v] : versions) {
    crls.push_back({{"issuer", v.issuer},
                    {"issuer_der", absl::BytesToHexString(der)},
                    {"number", v.number},
                    {"this_update", absl::ToUnixSeconds(v.this_update)}});
  }
  return nlohmann::json({{"crls", crls}}).dump(1) + "\n";
}

absl::StatusOr<CrlVersions> DecodeVersions(const std::string& text, const std::string& path) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto bad = [&path](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(path, " (the newest CRLs this agent enforced): ", why,
                                            "; remove it only if the CRL in tls.crl is the "
                                            "newest you issued"));
  };
  if (!doc.is_object() || !doc.contains("crls") || !doc["crls"].is_array()) {
    return bad("not a JSON object with a \"crls\" list");
  }
  CrlVersions versions;
  for (const nlohmann::json& crl : doc["crls"]) {
    if (!crl.is_object() || !crl.value("issuer", nlohmann::json()).is_string() ||
        !crl.value("issuer_der", nlohmann::json()).is_string() ||
        !crl.value("number", nlohmann::json()).is_number_integer() ||
        !crl.value("this_update", nlohmann::json()).is_number_integer()) {
      return bad("an entry of \"crls\" lacks issuer, issuer_der, number or this_update");
    }
    const std::string hex = crl["issuer_der"].get<std::string>();
    if (hex.empty() || hex.size() % 2 != 0 ||
        !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
      return bad("an issuer_der is not hex");
    }
    const std::string der = absl::HexStringToBytes(hex);
    versions[der] = CrlVersion{crl["issuer"].get<std::string>(), crl["number"].get<int64_t>(),
                               absl::FromUnixSeconds(crl["this_update"].get<int64_t>())};
  }
  return versions;
}

}  // namespace

CrlStore::CrlStore(std::string crl_path, std::string ca_pem, std::string record_path)
    : crl_path_(std::move(crl_path)),
      ca_pem_(std::move(ca_pem)),
      record_path_(std::move(record_path)) {}

absl::StatusOr<std::unique_ptr<CrlStore>> CrlStore::Open(const std::string& crl_path,
                                                         const std::string& ca_path,
                                                         const std::string& record_path) {
  absl::StatusOr<std::string> ca = ReadFileCapped(ca_path, kMaxCaBytes);
  if (!ca.ok()) {
    return absl::Status(ca.status().code(), absl::StrCat("tls.ca: ", ca.status().message()));
  }
  std::unique_ptr<CrlStore> store(new CrlStore(crl_path, *std::move(ca), record_path));
  if (!record_path.empty()) {
    absl::StatusOr<std::string> record = ReadFileCapped(record_path, kMaxRecordBytes);
    if (record.ok()) {
      absl::StatusOr<CrlVersions> versions = DecodeVersions(*record, record_path);
      if (!versions.ok()) return versions.status();
      absl::MutexLock reload(&store->reload_mu_);
      store->versions_ = *std::move(versions);
    } else if (!absl::IsNotFound(record.status())) {
      return record.status();
    }
  }
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
  if (absl::Status s = list->CheckNotOlderThan(versions_, crl_path_); !s.ok()) return s;
  Remember(*list);
  auto next = std::make_shared<const RevocationList>(*std::move(list));
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  return true;
}

void CrlStore::Remember(const RevocationList& list) {
  bool changed = false;
  for (const auto& [issuer, version] : list.versions()) {
    auto known = versions_.find(issuer);
    if (known != versions_.end() && !IsOlderCrl(known->second, version)) continue;
    versions_[issuer] = version;
    changed = true;
  }
  if (!changed || record_path_.empty()) return;
  if (absl::Status s = WriteFileAtomically(record_path_, EncodeVersions(versions_)); !s.ok()) {
    spdlog::warn(
        "tls.crl: cannot record the newest CRL in force in {}: {} (after a restart an "
        "older CRL would not be noticed)",
        record_path_, s.message());
  }
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
