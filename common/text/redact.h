// Secrets masked in every text that leaves a program (printed, logged, audited, sent to a
// client). A server, proxy or tool may echo what it was sent: the secret itself, escaped its
// own way (JSON, XML, URL, C#), as UTF-16, or the `Authorization: Basic base64(user:secret)`
// header, maybe cut short (a line cut at 512 bytes), folded over lines or with its padding
// URL-encoded. Each such form becomes "***".
#pragma once

#include <bitset>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/text/secret_forms.h"

namespace osfleet {

inline constexpr char kMasked[] = "***";

// Knows the secrets of one run (the Service Center or database credentials) and masks, in
// any text:
// - each secret in every form of common/text/secret_forms.h: as is, JSON/C#-, XML-, URL-escaped
//   (character by character, so partly escaped text too), quotes doubled, and all of those
//   as UTF-16 bytes (little- or big-endian);
// - base64 (standard or URL-safe, padded or not) of "user:secret";
// - a prefix of any of those cut by the sender: anywhere, at least kMinSecretChars characters
//   of the secret; at the end of a line or of the text (a line cut short), at least
//   kMinCutChars, with whatever start of the next character's form follows; and the rest of
//   a secret (at least kMinCutChars characters) at the start of a line (a wrapped line);
// - any of them split by spaces or line breaks (folded, wrapped);
// - like RedactBasicCredentials, any `Basic <base64 of user:password>`.
// A secret shorter than a minimum is masked only whole. Time: linear in the text times the
// secret's length at worst (each position is matched against the forms of the characters
// that may start there; most texts fail at the first byte): 15-45 ms for 1 MiB of log
// lines, 1.7-3.3 s for a MiB made of the secret's own characters (tool output is at most
// 20 lines of 512 bytes).
class Redactor {
 public:
  // The fewest characters of a secret (or of the base64 characters that carry it) that
  // are masked when the text holds only the start of it.
  static constexpr size_t kMinSecretChars = 6;
  // The fewest characters of a secret masked where a line ends (a line cut short: a 4-char
  // password cut after 3 must not show 3 of its 4 characters) or starts (the rest of a wrapped
  // line). Fewer would mask every line that ends with one common letter.
  static constexpr size_t kMinCutChars = 3;

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
  // The end of what is masked from `at` on; 0: nothing.
  size_t MaskedEnd(absl::string_view text, size_t at) const;

  // The bytes a masked text may start with: anywhere, and at the start of a line.
  std::bitset<256> starts_, line_starts_;
  std::vector<std::string> secrets_;
  std::vector<SecretForms> secret_forms_;  // each secret in each kind of text bytes
  std::vector<Form> forms_;                // base64 of user:secret
};

// Masks the token after "Basic " (any case) when it is base64 of "user:password": for the
// edges that know no secret (osctl's output, every log line).
std::string RedactBasicCredentials(absl::string_view text);

}  // namespace osfleet
