#include "common/text/redact.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace osfleet {
namespace {

bool IsFoldSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsBase64Char(char c) {
  return absl::ascii_isalnum(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

// How many characters of `form` the text holds at `at` (spaces and line breaks between
// them allowed) and where the last one ends.
std::pair<size_t, size_t> MatchAt(absl::string_view text, size_t at, absl::string_view form) {
  size_t matched = 0, end = at;
  for (size_t i = at; i < text.size() && matched < form.size(); ++i) {
    if (text[i] == form[matched]) {
      ++matched;
      end = i + 1;
    } else if (matched == 0 || !IsFoldSpace(text[i])) {
      break;
    }
  }
  return {matched, end};
}

// The end of `Basic <token>` when the token (maybe folded over a line break) is base64
// of "user:password"; 0 otherwise. `at` is the position of the token's first character.
size_t BasicTokenEnd(absl::string_view text, size_t at) {
  std::string token;
  size_t end = at;
  for (size_t i = at; i < text.size();) {
    size_t j = i;
    while (j < text.size() && IsBase64Char(text[j])) ++j;
    if (j == i) break;
    token.append(text.data() + i, j - i);
    const size_t padded = j;
    while (j < text.size() && text[j] == '=') ++j;
    end = j;
    // A folded token goes on after a space while what came so far is not whole base64.
    if (j > padded || token.size() % 4 == 0 || j >= text.size() || !IsFoldSpace(text[j])) break;
    i = j;
    while (i < text.size() && IsFoldSpace(text[i])) ++i;
  }
  if (token.size() < 4) return 0;
  std::string decoded;
  const std::string whole = token.substr(0, token.size() - (token.size() % 4 == 1 ? 1 : 0));
  if (!absl::Base64Unescape(whole, &decoded) && !absl::WebSafeBase64Unescape(whole, &decoded)) {
    return 0;
  }
  const size_t colon = decoded.find(':');
  if (colon == 0 || colon == std::string::npos) return 0;
  const bool user_printable = std::all_of(decoded.begin(), decoded.begin() + colon,
                                          [](char c) { return c >= 0x20 && c < 0x7F; });
  return user_printable ? end : 0;
}

}  // namespace

void Redactor::AddSecret(absl::string_view secret) {
  if (secret.empty()) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.emplace_back(secret);
  for (TextBytes bytes : {TextBytes::kUtf8, TextBytes::kUtf16Le, TextBytes::kUtf16Be}) {
    const SecretForms& forms = secret_forms_.emplace_back(secret, bytes);
    for (int b = 0; b < 256; ++b) {
      for (size_t k = 0; k < forms.size(); ++k) {
        if (!forms.MayStartWith(k, static_cast<unsigned char>(b))) continue;
        if (k == 0) starts_.set(b);
        line_starts_.set(b);
      }
    }
  }
}

void Redactor::AddBasicCredentials(absl::string_view user, absl::string_view secret) {
  if (secret.empty()) return;
  AddSecret(secret);
  const std::string plain = absl::StrCat(user, ":", secret);
  // Base64 character k carries bits 6k..6k+5: the first that carries a bit of the secret.
  const size_t first_secret_char = (user.size() + 1) * 8 / 6;
  for (std::string encoded : {absl::Base64Escape(plain), absl::WebSafeBase64Escape(plain)}) {
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    const size_t min_prefix = std::min(encoded.size(), first_secret_char + kMinSecretChars);
    const bool known =
        std::any_of(forms_.begin(), forms_.end(), [&](const Form& f) { return f.text == encoded; });
    if (known) continue;
    starts_.set(static_cast<unsigned char>(encoded[0]));
    forms_.push_back({std::move(encoded), min_prefix});
  }
}

size_t Redactor::MaskedEnd(absl::string_view text, size_t at) const {
  size_t end = 0;
  for (const Form& form : forms_) {
    if (text[at] != form.text[0]) continue;
    const auto [matched, until] = MatchAt(text, at, form.text);
    if (matched == form.text.size() || matched >= form.min_prefix) end = std::max(end, until);
  }
  const auto first = static_cast<unsigned char>(text[at]);
  const bool line_start = IsLineStart(text, at);
  for (const SecretForms& secret : secret_forms_) {
    const size_t n = secret.size();
    const size_t min_cut = std::min(kMinCutChars, n);
    if (secret.MayStartWith(0, first)) {
      const SecretMatch m = secret.Match(text, at, 0);
      if (m.chars == n || m.chars >= std::min(kMinSecretChars, n)) end = std::max(end, m.end);
      if (m.chars >= min_cut && m.cut_end > 0) end = std::max(end, m.cut_end);
    }
    if (!line_start) continue;
    // The rest of a secret whose start ended the line before (wrapped, or masked there):
    // within this line (no folding), which keeps the tries of every k linear in the line.
    for (size_t k = 1; k + min_cut <= n; ++k) {
      if (!secret.MayStartWith(k, first)) continue;
      const SecretMatch m = secret.Match(text, at, k, /*fold=*/false);
      if (m.chars == n - k) end = std::max(end, m.end);
    }
  }
  return end;
}

std::string Redactor::Redact(absl::string_view text) const {
  std::string out;
  out.reserve(text.size());
  // Every position is tried, inside a masked span too: the spans are united, so that a cut
  // start that runs into the next line's whole secret (folding) cannot hide the rest of it.
  size_t masked_to = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    const bool may_start = starts_[b] || (line_starts_[b] && IsLineStart(text, i));
    const size_t end = may_start ? MaskedEnd(text, i) : 0;
    if (end > i) {
      if (i >= masked_to) out += kMasked;
      masked_to = std::max(masked_to, end);
      while (masked_to < text.size() && text[masked_to] == '=') ++masked_to;  // base64 padding
    }
    if (i >= masked_to) out.push_back(text[i]);
  }
  return RedactBasicCredentials(out);
}

std::string RedactBasicCredentials(absl::string_view text) {
  if (!absl::StrContains(absl::AsciiStrToLower(text), "basic")) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const bool word_start = i == 0 || !absl::ascii_isalnum(text[i - 1]);
    if (!word_start || !absl::StartsWithIgnoreCase(text.substr(i), "basic")) {
      out.push_back(text[i++]);
      continue;
    }
    size_t at = i + 5;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    const size_t end = at > i + 5 ? BasicTokenEnd(text, at) : 0;
    if (end == 0) {
      out.append(text.data() + i, 5);
      i += 5;
      continue;
    }
    absl::StrAppend(&out, text.substr(i, at - i), kMasked);
    i = end;
  }
  return out;
}

}  // namespace osfleet
