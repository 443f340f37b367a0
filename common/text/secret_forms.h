// Where a text holds a secret, however it was written: as is, JSON- or C#-escaped
// (\" \\ \/ \n \uXXXX, surrogate pairs), XML-escaped (&quot; &amp; &lt; &gt; &apos;, &#NN;,
// &#xHH;), URL-encoded (%XX in either case, + for a space), quotes doubled (SQL, CSV, C#
// verbatim strings), or any of those as UTF-16 (little- or big-endian) bytes. A tool that
// logs a password escapes it its own way, and a log read as bytes may be UTF-16: each
// character of the secret is matched against every way of writing it, so that mixed or
// partly escaped text is found too.
#pragma once

#include <bitset>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"

namespace osfleet {

// The bytes a text is read as.
enum class TextBytes { kUtf8, kUtf16Le, kUtf16Be };

// How far a text holds one secret from a position on.
struct SecretMatch {
  size_t chars = 0;  // characters of the secret held in a row (spaces and line breaks between
                     // them allowed: folded or wrapped text)
  size_t end = 0;    // where the last of them ends
  // The furthest end of a line (or of the text) the text reaches after at least one
  // character, maybe through the start of the next character's form (a line cut short inside
  // "\u00e9"); 0: none. A line cut short shows `chars` characters of the secret (the longest
  // reading) up to there, though another reading may be what reaches the cut ("o7%2": "o7%"
  // as is, or "o7" and the start of "%25").
  size_t cut_end = 0;
};

// One secret: the forms of each of its characters (UTF-8 code points; a byte that is not
// valid UTF-8 is a character of its own) in one kind of text bytes.
class SecretForms {
 public:
  SecretForms(absl::string_view secret, TextBytes bytes);

  size_t size() const { return chars_.size(); }
  // True when character k of the secret may start at a byte `b` of a text.
  bool MayStartWith(size_t k, unsigned char b) const { return chars_[k].first_bytes[b]; }
  // How far `text` holds characters first, first+1, ... of the secret from `at` on; with
  // `fold`, spaces and line breaks between them are skipped.
  SecretMatch Match(absl::string_view text, size_t at, size_t first, bool fold = true) const;

 private:
  struct Char {
    std::vector<std::string> forms;  // each way of writing it, longest first
    std::bitset<256> first_bytes;
  };
  // Appends to `next` (without repeats) the end of each form of character k written at `at`.
  void Advance(size_t k, absl::string_view text, size_t at,
               absl::InlinedVector<size_t, 4>* next) const;
  // Where the text after `at` reaches a line's end, holding at most the start of a form of
  // character k; npos otherwise.
  size_t CutEnd(size_t k, absl::string_view text, size_t at) const;
  size_t SkipFold(absl::string_view text, size_t at) const;

  TextBytes bytes_;
  std::vector<Char> chars_;
};

// True when `at` is where a line starts: the text's start or just after a line break (of
// UTF-8 or UTF-16 text).
bool IsLineStart(absl::string_view text, size_t at);

}  // namespace osfleet
