// Secrets masked in every text that leaves a program (printed, logged, audited, sent to a
// client). A server or proxy may echo what it was sent: the secret itself, or the
// `Authorization: Basic base64(user:secret)` header, maybe cut short, folded over lines or
// with its padding URL-encoded. Each such form becomes "***".
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace osfleet {

inline constexpr char kMasked[] = "***";

// Knows the secrets of one run (the Service Center credentials) and masks, in any text:
// - each secret, and its URL-encoded and JSON-escaped ("\/") forms;
// - base64 (standard or URL-safe, padded or not) of "user:secret";
// - a prefix of any of those cut by the sender (at least kMinSecretChars characters of the
//   secret itself), and any of them split by spaces or line breaks (folded, wrapped);
// - like RedactBasicCredentials, any `Basic <base64 of user:password>`.
class Redactor {
 public:
  // The fewest characters of a secret (or of the base64 characters that carry it) that
  // are masked when the text holds only the start of it.
  static constexpr size_t kMinSecretChars = 6;

  Redactor() = default;
  // A secret as it may come back; empty: ignored.
  void AddSecret(absl::string_view secret);
  // `secret` sent with `user` in HTTP Basic: base64("user:secret") is a secret too.
  void AddBasicCredentials(absl::string_view user, absl::string_view secret);

  std::string Redact(absl::string_view text) const;

 private:
  struct Form {
    std::string text;
    size_t min_prefix;  // the shortest start of `text` that is masked on its own
  };
  std::vector<Form> forms_;
};

// Masks the token after "Basic " (any case) when it is base64 of "user:password": for the
// edges that know no secret (osctl's output, every log line).
std::string RedactBasicCredentials(absl::string_view text);

}  // namespace osfleet
