// libFuzzer target: the Redactor on a random password written into random text in every
// form a tool may log it in (tests/fuzz/redact_cases.h): as is, JSON-, .NET-, XML-,
// URL-escaped, quotes doubled, UTF-16, cut short at a line's end, wrapped. Aborts when the
// start of any form (min(kMinCutChars, size) characters of the password) survives.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "absl/strings/escaping.h"
#include "common/text/redact.h"
#include "tests/fuzz/redact_cases.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const osfleet::redact_cases::Pick pick = [&input](size_t n) {
    return input.ConsumeIntegralInRange<size_t>(0, n - 1);
  };
  const osfleet::redact_cases::Case c = osfleet::redact_cases::MakeCase(
      pick, osfleet::Redactor::kMinCutChars, osfleet::Redactor::kMinSecretChars);
  osfleet::Redactor redactor;
  redactor.AddSecret(c.secret);
  const std::string redacted = redactor.Redact(c.text);
  const int survivor = osfleet::redact_cases::Survivor(c, redacted);
  if (survivor < 0) return 0;
  std::fprintf(stderr,
               "redact_fuzz: form %d survived\n  password: \"%s\"\n  forms used: %zu\n"
               "  text: \"%s\"\n  redacted: \"%s\"\n",
               survivor, absl::CHexEscape(c.secret).c_str(), c.names.size(),
               absl::CHexEscape(c.text).c_str(), absl::CHexEscape(redacted).c_str());
  std::abort();
}
