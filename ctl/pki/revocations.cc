#include "ctl/pki/revocations.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "common/text/json_util.h"
#include "ctl/pki/pki_dir.h"

namespace osfleet::ctl::pki {
namespace {

constexpr size_t kMaxRecordBytes = 16 << 20;
constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%SZ";

std::string TimeText(absl::Time t) { return absl::FormatTime(kTimeFormat, t, absl::UTCTimeZone()); }

absl::StatusOr<RevokedCertificate> EntryFromJson(const nlohmann::json& e, const std::string& path) {
  RevokedCertificate r;
  absl::StatusOr<std::string> serial = NormalizeSerial(JsonString(e, "serial"));
  std::string error;
  if (!serial.ok() ||
      !absl::ParseTime(kTimeFormat, JsonString(e, "revokedAt"), &r.revoked_at, &error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": an entry without a valid serial or revokedAt: ", DumpJson(e)));
  }
  r.serial = *serial;
  r.name = JsonString(e, "name");
  r.subject = JsonString(e, "subject");
  return r;
}

}  // namespace

absl::StatusOr<Revocations> LoadRevocations(const std::string& dir) {
  const std::string path = PathIn(dir, kRevocationsFile);
  absl::StatusOr<std::string> text = ReadFileCapped(path, kMaxRecordBytes);
  if (absl::IsNotFound(text.status())) return Revocations{};
  if (!text.ok()) return absl::FailedPreconditionError(text.status().message());
  absl::StatusOr<nlohmann::json> doc = ParseJson(*text, path);
  if (!doc.ok()) return absl::FailedPreconditionError(doc.status().message());
  Revocations out;
  out.crl_number = JsonInt(*doc, "crlNumber", -1);
  const auto list = doc->is_object() ? doc->find("revoked") : doc->end();
  if (out.crl_number < 0 || list == doc->end() || !list->is_array()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not an osctl revocation record (crlNumber, revoked)"));
  }
  for (const nlohmann::json& e : *list) {
    absl::StatusOr<RevokedCertificate> r = EntryFromJson(e, path);
    if (!r.ok()) return r.status();
    out.revoked.push_back(*std::move(r));
  }
  return out;
}

absl::Status SaveRevocations(const std::string& dir, const Revocations& revocations) {
  nlohmann::json list = nlohmann::json::array();
  for (const RevokedCertificate& r : revocations.revoked) {
    list.push_back({{"serial", r.serial},
                    {"revokedAt", TimeText(r.revoked_at)},
                    {"name", r.name},
                    {"subject", r.subject}});
  }
  const nlohmann::json doc = {{"crlNumber", revocations.crl_number}, {"revoked", list}};
  AtomicWriteOptions options;
  options.new_file_mode = kCertificateMode;
  return WriteFileAtomically(PathIn(dir, kRevocationsFile), DumpJson(doc, 2) + "\n", options);
}

const RevokedCertificate* FindRevoked(const Revocations& revocations, const std::string& serial) {
  for (const RevokedCertificate& r : revocations.revoked) {
    if (r.serial == serial) return &r;
  }
  return nullptr;
}

}  // namespace osfleet::ctl::pki
