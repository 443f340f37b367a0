#!/usr/bin/env bash
# The Windows build's artifacts and Authenticode (packaging/windows/sign.sh):
#   - with OSFLEET_SIGN_PFX and OSFLEET_SIGN_PASSWORD_FILE set (the build signed them): each
#     FILE verifies as signed by that certificate (sign.sh --verify: osslsigncode verify);
#   - without (the build left them unsigned): copies of them are signed with a code-signing
#     certificate made here (tests/windows/signing/test_pki.sh) and timestamped by a local
#     TSA, and each copy passes `osslsigncode verify -CAfile` with its timestamp; a copy
#     with one byte changed fails it; the signed osagent.exe still runs (--version, Wine).
#   signed_artifacts.sh OSAGENT_EXE OSCTL_EXE MSI...
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OSAGENT_EXE OSCTL_EXE MSI..." >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SIGN=$HERE/../../../packaging/windows/sign.sh

if [ -n "${OSFLEET_SIGN_PFX:-}" ] || [ -n "${OSFLEET_SIGN_PASSWORD_FILE:-}" ]; then
  "$SIGN" --verify "$@"
  echo "PASS: the build's artifacts are signed and verify"
  exit 0
fi

. "$HERE/../signing/test_pki.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/osfleet-signed-artifacts.XXXXXX")
trap 'stop_tsa; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
make_signing_pki "$T"
copies=()
for f in "$@"; do
  cp "$f" "$T/$(basename "$f")"
  copies+=("$T/$(basename "$f")")
done
start_tsa "$T"
echo "== the build left them unsigned: signing copies with a test certificate and a local TSA"
OSFLEET_SIGN_PFX=$T/signing.pfx OSFLEET_SIGN_PASSWORD_FILE=$T/password \
  OSFLEET_SIGN_TIMESTAMP_URL=$TSA_URL OSFLEET_SIGN_CAFILE=$T/ca.pem "$SIGN" "${copies[@]}"
for f in "${copies[@]}"; do
  out=$(osslsigncode verify -CAfile "$T/ca.pem" -TSA-CAfile "$T/ca.pem" -in "$f" 2>&1) ||
    fail "$(basename "$f"): osslsigncode verify: $(tail -n 5 <<<"$out")"
  grep -q "^Signature verification: ok" <<<"$out" || fail "$(basename "$f"): $out"
  grep -q "^Timestamp Server Signature verification: ok" <<<"$out" ||
    fail "$(basename "$f"): no verified timestamp"
  echo "ok: $(basename "$f") ($(stat -c %s "$f") bytes) signed, timestamped, verifies"
done
tampered=$T/tampered-$(basename "${copies[0]}")
cp "${copies[0]}" "$tampered"
size=$(stat -c %s "$tampered")
printf '\x5a' | dd of="$tampered" bs=1 seek=$((size / 3)) conv=notrunc status=none
cmp -s "$tampered" "${copies[0]}" && printf '\xa5' | dd of="$tampered" bs=1 seek=$((size / 3)) conv=notrunc status=none
osslsigncode verify -CAfile "$T/ca.pem" -in "$tampered" >/dev/null 2>&1 &&
  fail "a changed byte in $(basename "${copies[0]}") still verifies"
echo "ok: one byte changed in $(basename "${copies[0]}"): verify fails"
out=$("$HERE/../run-under-wine.sh" "${copies[0]}" --version 2>&1 | tr -d '\r') ||
  fail "the signed $(basename "${copies[0]}") does not run under Wine: $out"
grep -q "^osagent " <<<"$out" || fail "the signed osagent.exe --version said: $out"
echo "ok: the signed $(basename "${copies[0]}") runs: $out"
echo "PASS: the Windows artifacts sign and verify"
