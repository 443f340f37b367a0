#!/usr/bin/env bash
# Signs Windows programs and MSIs in place with Authenticode (osslsigncode, SHA-256), with an
# RFC 3161 timestamp when a Time-Stamp Authority is named, and checks each signature after.
#   packaging/windows/sign.sh FILE...
#   packaging/windows/sign.sh --verify FILE...   check files signed before, the same way
# The build runs it on osagent.exe and osctl.exe right after they are linked (before wixl
# packs them) and on each MSI (packaging/windows/signing.cmake). Environment:
#   OSFLEET_SIGN_PFX            the PKCS#12 file: the code-signing certificate (extended key
#                               usage codeSigning), its private key and its chain
#   OSFLEET_SIGN_PASSWORD_FILE  a file whose first line is the PKCS#12 password (handed to
#                               osslsigncode -readpass and openssl -passin file: never on a
#                               command line, which other users of the machine can read)
#   OSFLEET_SIGN_TIMESTAMP_URL  optional: an RFC 3161 Time-Stamp Authority (e.g.
#                               http://timestamp.digicert.com); the signature then outlives
#                               the certificate
#   OSFLEET_SIGN_CAFILE         optional: PEM certificates to trust, besides Debian's bundle
#                               and the PKCS#12 file's own chain, when each signature (and its
#                               timestamp) is checked after signing: an internal CA's root,
#                               a TSA's root
# Neither of the first two set: one line saying the files stay unsigned, exit 0.
# Each FILE is signed into a temporary file beside it, checked with osslsigncode verify, and
# renamed over FILE: a failure leaves FILE as it was. Exit codes: 0 signed (or unsigned on
# purpose), 1 signing or its check failed, 2 bad settings (a missing file, a wrong password,
# not a PKCS#12 file, no private key, a certificate that is not for code signing or expired).
set -euo pipefail

readonly UNSIGNED="osfleet: the Windows artifacts are unsigned (set OSFLEET_SIGN_PFX and OSFLEET_SIGN_PASSWORD_FILE to sign them)"
readonly SYSTEM_CA=/etc/ssl/certs/ca-certificates.crt

fail() {  # fail EXIT_CODE MESSAGE
  echo "osfleet: signing: $2" >&2
  exit "$1"
}

need_file() {  # need_file VARIABLE PATH
  [ -e "$2" ] || fail 2 "$1=$2: no such file"
  [ -f "$2" ] || fail 2 "$1=$2: not a regular file"
  [ -r "$2" ] || fail 2 "$1=$2: not readable by $(id -un)"
}

# openssl pkcs12 with the password from its file; a PKCS#12 file made by an older Windows
# (RC2, 3DES) needs OpenSSL 3's legacy provider: tried second.
pkcs12() {
  local err
  if err=$(openssl pkcs12 -in "$PFX" -passin "file:$PASSWORD_FILE" "$@" 2>&1 >/dev/null); then
    openssl pkcs12 -in "$PFX" -passin "file:$PASSWORD_FILE" "$@" 2>/dev/null
  elif openssl pkcs12 -legacy -in "$PFX" -passin "file:$PASSWORD_FILE" "$@" >/dev/null 2>&1; then
    openssl pkcs12 -legacy -in "$PFX" -passin "file:$PASSWORD_FILE" "$@" 2>/dev/null
  elif grep -q "Mac verify error" <<<"$err"; then
    fail 2 "OSFLEET_SIGN_PFX=$PFX: wrong password (the first line of OSFLEET_SIGN_PASSWORD_FILE=$PASSWORD_FILE does not open it)"
  else
    fail 2 "OSFLEET_SIGN_PFX=$PFX: not a PKCS#12 (.pfx/.p12) file that openssl can read ($(head -n 1 <<<"$err" | sed -E 's/^[0-9A-F]+:error:[0-9A-F]+://; s/:[^:]*\.c:[0-9]+:?$//'))"
  fi
}

# The certificate must hold a private key, be for code signing and be valid now.
check_pfx() {
  pkcs12 -nokeys -clcerts -out "$WORK/leaf.pem"
  pkcs12 -nokeys -out "$WORK/chain.pem"
  # The key goes through a pipe to grep only, never to a file (grep -c reads it all: no
  # SIGPIPE for openssl).
  [ "$(pkcs12 -nocerts -nodes | grep -c "PRIVATE KEY")" -gt 0 ] ||
    fail 2 "OSFLEET_SIGN_PFX=$PFX: holds no private key (export the certificate WITH its key)"
  grep -q "BEGIN CERTIFICATE" "$WORK/leaf.pem" ||
    fail 2 "OSFLEET_SIGN_PFX=$PFX: holds no certificate for its key"
  local subject eku
  subject=$(openssl x509 -in "$WORK/leaf.pem" -noout -subject -nameopt oneline | sed 's/^subject= *//')
  eku=$(openssl x509 -in "$WORK/leaf.pem" -noout -ext extendedKeyUsage 2>/dev/null || true)
  if [ -n "$eku" ] && ! grep -q "Code Signing" <<<"$eku"; then
    fail 2 "OSFLEET_SIGN_PFX=$PFX: the certificate '$subject' is not for code signing (its extended key usage lacks codeSigning: $(tail -n +2 <<<"$eku" | xargs))"
  fi
  openssl x509 -in "$WORK/leaf.pem" -noout -checkend 0 >/dev/null ||
    fail 2 "OSFLEET_SIGN_PFX=$PFX: the certificate '$subject' expired on $(openssl x509 -in "$WORK/leaf.pem" -noout -enddate | cut -d= -f2)"
  # The check after signing wants this very certificate as the signer.
  LEAF_HASH=$(openssl x509 -in "$WORK/leaf.pem" -outform DER | sha256sum | cut -d' ' -f1)
  # What the check after signing trusts.
  : >"$WORK/trusted.pem"
  [ -r "$SYSTEM_CA" ] && cat "$SYSTEM_CA" >>"$WORK/trusted.pem"
  cat "$WORK/chain.pem" >>"$WORK/trusted.pem"
  if [ -n "${OSFLEET_SIGN_CAFILE:-}" ]; then
    need_file OSFLEET_SIGN_CAFILE "$OSFLEET_SIGN_CAFILE"
    cat "$OSFLEET_SIGN_CAFILE" >>"$WORK/trusted.pem"
  fi
}

# The signature on file, checked as Windows would (chain, digest) without fetching CRLs;
# with a timestamp URL the timestamp's signature too.
verify() {  # verify FILE SHOWN_NAME
  local out
  if ! out=$(osslsigncode verify -ignore-crl -CAfile "$WORK/trusted.pem" \
               -TSA-CAfile "$WORK/trusted.pem" -require-leaf-hash "sha256:$LEAF_HASH" \
               -in "$1" 2>&1) ||
     ! grep -q "^Signature verification: ok" <<<"$out"; then
    echo "$out" | grep -iE "error|fail|verif" | head -n 5 >&2 || true
    fail 1 "$2: the signature does not verify (osslsigncode verify); is the certificate's chain in OSFLEET_SIGN_PFX or OSFLEET_SIGN_CAFILE?"
  fi
  if [ -n "${OSFLEET_SIGN_TIMESTAMP_URL:-}" ] &&
     ! grep -q "^Timestamp Server Signature verification: ok" <<<"$out"; then
    fail 1 "$2: the timestamp from $OSFLEET_SIGN_TIMESTAMP_URL does not verify (put the Time-Stamp Authority's root in OSFLEET_SIGN_CAFILE)"
  fi
}

sign_one() {  # sign_one FILE
  local file=$1 tmp out
  [ -f "$file" ] || fail 2 "$file: no such file to sign"
  tmp=$(mktemp "$(dirname "$file")/.$(basename "$file").signing.XXXXXX")
  TEMPS+=("$tmp")
  local args=(sign -pkcs12 "$PFX" -readpass "$PASSWORD_FILE" -h sha256 -n osfleet)
  [ -n "${OSFLEET_SIGN_TIMESTAMP_URL:-}" ] && args+=(-ts "$OSFLEET_SIGN_TIMESTAMP_URL")
  # An MSI (an OLE compound file, whatever its name) is signed over its streams' metadata
  # too (MsiDigitalSignatureEx, as signtool does).
  [ "$(head -c 8 "$file" | od -An -tx1 | tr -d ' \n')" = d0cf11e0a1b11ae1 ] && args+=(-add-msi-dse)
  rm -f "$tmp"  # osslsigncode refuses to write over an existing file
  if ! out=$(osslsigncode "${args[@]}" -in "$file" -out "$tmp" 2>&1); then
    echo "$out" | grep -v "^Connecting to" | head -n 5 >&2 || true
    if [ -n "${OSFLEET_SIGN_TIMESTAMP_URL:-}" ] && grep -qi "timestamping failed" <<<"$out"; then
      fail 1 "$file: the Time-Stamp Authority OSFLEET_SIGN_TIMESTAMP_URL=$OSFLEET_SIGN_TIMESTAMP_URL gave no timestamp"
    fi
    fail 1 "$file: osslsigncode sign failed"
  fi
  verify "$tmp" "$file"
  chmod --reference="$file" "$tmp"
  mv -f "$tmp" "$file"
  echo "osfleet: signed $(basename "$file")${OSFLEET_SIGN_TIMESTAMP_URL:+ (timestamped by $OSFLEET_SIGN_TIMESTAMP_URL)}"
}

MODE=sign
if [ "${1:-}" = --verify ]; then
  MODE=verify
  shift
fi
[ $# -ge 1 ] || { echo "usage: $0 [--verify] FILE..." >&2; exit 2; }
PFX=${OSFLEET_SIGN_PFX:-}
PASSWORD_FILE=${OSFLEET_SIGN_PASSWORD_FILE:-}
if [ -z "$PFX" ] && [ -z "$PASSWORD_FILE" ]; then
  echo "$UNSIGNED"
  exit 0
fi
[ -n "$PFX" ] || fail 2 "OSFLEET_SIGN_PASSWORD_FILE is set but OSFLEET_SIGN_PFX is not: set both, or neither"
[ -n "$PASSWORD_FILE" ] || fail 2 "OSFLEET_SIGN_PFX is set but OSFLEET_SIGN_PASSWORD_FILE is not: set both, or neither (the password is read from a file, never from the command line)"
command -v osslsigncode >/dev/null || fail 2 "osslsigncode not found: install the Debian package osslsigncode (./run does)"
need_file OSFLEET_SIGN_PFX "$PFX"
need_file OSFLEET_SIGN_PASSWORD_FILE "$PASSWORD_FILE"
if [ -n "$(find "$PASSWORD_FILE" -perm /o+r)" ]; then
  echo "osfleet: signing: warning: OSFLEET_SIGN_PASSWORD_FILE=$PASSWORD_FILE is readable by every user (chmod 600 it)" >&2
fi

WORK=$(mktemp -d)
TEMPS=()
cleanup() {
  rm -rf "$WORK"
  local t
  for t in "${TEMPS[@]}"; do rm -f "$t"; done
}
trap cleanup EXIT
chmod 700 "$WORK"
check_pfx
for f in "$@"; do
  if [ "$MODE" = verify ]; then
    [ -f "$f" ] || fail 2 "$f: no such file to verify"
    verify "$f" "$f"
    echo "osfleet: $(basename "$f") is signed by '$(openssl x509 -in "$WORK/leaf.pem" -noout -subject -nameopt oneline | sed 's/^subject= *//')' and verifies"
  else
    sign_one "$f"
  fi
done
