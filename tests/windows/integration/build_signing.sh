#!/usr/bin/env bash
# The Windows build signing by its own rules (packaging/windows/signing.cmake), as
# `OSFLEET_SIGN_PFX=… OSFLEET_SIGN_PASSWORD_FILE=… ./run windows` does on a release machine:
# build-windows/ configured with a code-signing certificate made here
# (tests/windows/signing/test_pki.sh) and a local RFC 3161 TSA, then built. osagent.exe,
# osctl.exe and the MSI custom-action DLL are signed right after they are linked, the MSIs
# once made, and each verifies (sign.sh --verify, with the timestamp); the osagent.exe packed
# inside the agent's MSI is the signed one. Afterwards build-windows/ is configured and built
# again as it was (unsigned), whatever happened.
#   build_signing.sh SOURCE_DIR   (run from anywhere; builds SOURCE_DIR/build-windows)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 SOURCE_DIR" >&2; exit 2; }
SRC=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
SIGN=$SRC/packaging/windows/sign.sh
BUILD=$SRC/build-windows
JOBS=${JOBS:-2}
. "$HERE/../signing/test_pki.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/osfleet-build-signing.XXXXXX")
fail() { echo "FAIL: $*" >&2; exit 1; }
configure_and_build() {  # the environment given decides whether the build signs
  (cd "$SRC" && cmake --preset windows >"$T/configure.log" 2>&1) ||
    fail "cmake --preset windows: $(tail -n 20 "$T/configure.log")"
  cmake --build "$BUILD" -j "$JOBS" >"$T/build.log" 2>&1 ||
    fail "the Windows build: $(grep -v warning "$T/build.log" | tail -n 20)"
}
unsigned_again() {
  local rc=$?
  stop_tsa
  unset OSFLEET_SIGN_PFX OSFLEET_SIGN_PASSWORD_FILE OSFLEET_SIGN_TIMESTAMP_URL OSFLEET_SIGN_CAFILE
  (configure_and_build) ||
    echo "warning: build-windows/ was not rebuilt unsigned; ./run windows does it" >&2
  rm -rf "$T"
  exit "$rc"
}
trap unsigned_again EXIT

echo "== a code-signing certificate and a TSA made here; build-windows/ configured to sign"
make_signing_pki "$T"
start_tsa "$T"
export OSFLEET_SIGN_PFX=$T/signing.pfx OSFLEET_SIGN_PASSWORD_FILE=$T/password \
  OSFLEET_SIGN_TIMESTAMP_URL=$TSA_URL OSFLEET_SIGN_CAFILE=$T/ca.pem
configure_and_build
grep -q "osfleet: signing the Windows artifacts with $OSFLEET_SIGN_PFX" "$T/configure.log" ||
  fail "the configure did not say it signs: $(cat "$T/configure.log")"

echo "== every artifact the build made was signed by its own rule"
artifacts=("$BUILD/bin/osagent.exe" "$BUILD/bin/osctl.exe" "$BUILD/bin/osfleet_msi_actions.dll"
  "$BUILD"/osfleet-*.msi)
[ ${#artifacts[@]} -ge 6 ] || fail "expected three programs and three MSIs: ${artifacts[*]}"
for f in "${artifacts[@]}"; do
  grep -q "osfleet: signed $(basename "$f") (timestamped by $TSA_URL)" "$T/build.log" ||
    fail "the build's log does not say it signed $(basename "$f")"
done
"$SIGN" --verify "${artifacts[@]}" || fail "sign.sh --verify"
for f in "${artifacts[@]}"; do
  osslsigncode verify -CAfile "$T/ca.pem" -TSA-CAfile "$T/ca.pem" -in "$f" 2>&1 |
    grep -q "^Timestamp Server Signature verification: ok" ||
    fail "$(basename "$f"): no verified timestamp"
done

echo "== the osagent.exe inside the agent's MSI is the signed one"
mkdir "$T/extract"
(cd "$T/extract" && msiextract "$(ls "$BUILD"/osfleet-agent-*.msi)" >/dev/null)
packed=$(find "$T/extract" -name osagent.exe | head -n 1)
[ -n "$packed" ] || fail "no osagent.exe in the agent's MSI"
cmp -s "$packed" "$BUILD/bin/osagent.exe" || fail "the MSI packed another osagent.exe"
echo "PASS: the Windows build signs its programs, DLL and MSIs by its own rules"
