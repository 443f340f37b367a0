#!/usr/bin/env bash
# packaging/windows/sign.sh, tested with a PKI made here (test_pki.sh) and a local RFC 3161
# Time-Stamp Authority (tsa_server.py on port 0): a small mingw-built .exe and a small
# wixl-built .msi are signed and timestamped and pass `osslsigncode verify -CAfile`; a
# tampered copy of each fails it; a wrong password, a file that is not PKCS#12, a
# certificate that is not for code signing and a TSA that does not answer each fail with
# their own message and leave the file as it was; no settings: the one unsigned line.
#   tests/windows/signing/sign_test.sh   (ctest: windows.sign_script)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SIGN=$HERE/../../../packaging/windows/sign.sh
. "$HERE/test_pki.sh"

for tool in osslsigncode openssl wixl x86_64-w64-mingw32-gcc python3; do
  command -v "$tool" >/dev/null || {
    echo "FAIL: $tool not found (Debian packages osslsigncode, openssl, wixl, gcc-mingw-w64-x86-64, python3: ./run installs them)" >&2
    exit 1
  }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/osfleet-sign.XXXXXX")
cleanup() {
  stop_tsa
  if [ "${OSFLEET_KEEP_TEMP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
failures=0
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

make_signing_pki "$T"
unset OSFLEET_SIGN_PFX OSFLEET_SIGN_PASSWORD_FILE OSFLEET_SIGN_TIMESTAMP_URL OSFLEET_SIGN_CAFILE

# The files to sign: a program and an MSI, both tiny.
printf 'int main(void) { return 7; }\n' >"$T/hello.c"
x86_64-w64-mingw32-gcc -O2 -o "$T/hello.exe" "$T/hello.c"
printf 'osfleet signing test\n' >"$T/payload.txt"
cat >"$T/hello.wxs" <<'EOW'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="osfleet signing test" Language="1033" Version="1.0.0"
           Manufacturer="osfleet" UpgradeCode="9D3C1A52-7B61-4C1F-8E2D-5F6A7B8C9DAA">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="hello.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="osfleet-signing-test">
          <Component Id="Payload" Guid="9D3C1A52-7B61-4C1F-8E2D-5F6A7B8C9DAB" Win64="yes">
            <File Id="payload.txt" Name="payload.txt" Source="payload.txt" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Level="1"><ComponentRef Id="Payload"/></Feature>
  </Product>
</Wix>
EOW
(cd "$T" && wixl -a x64 -o hello.msi hello.wxs)
cp "$T/hello.exe" "$T/unsigned.exe"

signed_ok() {  # signed_ok FILE [timestamped]: osslsigncode verify against the test CA
  local out
  if ! out=$(osslsigncode verify -CAfile "$T/ca.pem" -TSA-CAfile "$T/ca.pem" -in "$1" 2>&1); then
    echo "$out" | tail -n 5 >&2
    return 1
  fi
  grep -q "^Signature verification: ok" <<<"$out" &&
    grep -q "Subject: /CN=osfleet signing test$" <<<"$out" &&
    grep -Eq "^Message digest algorithm *: SHA256" <<<"$out" || return 1
  if [ "${2:-}" = timestamped ]; then
    grep -q "^Timestamp Server Signature verification: ok" <<<"$out" || return 1
  fi
}

# 1. No settings: one line, exit 0, the file untouched.
out=$("$SIGN" "$T/hello.exe" 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ] && [ "$out" = "osfleet: the Windows artifacts are unsigned (set OSFLEET_SIGN_PFX and OSFLEET_SIGN_PASSWORD_FILE to sign them)" ] &&
   cmp -s "$T/hello.exe" "$T/unsigned.exe"; then
  pass "no settings: the one unsigned line"
else
  fail "no settings: rc=$rc output: $out"
fi
out=$(OSFLEET_SIGN_PFX=$T/signing.pfx "$SIGN" "$T/hello.exe" 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "OSFLEET_SIGN_PASSWORD_FILE is not" <<<"$out" &&
  pass "a pfx without a password file: exit 2" || fail "pfx alone: rc=$rc: $out"

export OSFLEET_SIGN_PFX=$T/signing.pfx OSFLEET_SIGN_PASSWORD_FILE=$T/password

# 2. Signed and timestamped by the local TSA: both verify.
start_tsa "$T"
out=$(OSFLEET_SIGN_TIMESTAMP_URL=$TSA_URL OSFLEET_SIGN_CAFILE=$T/ca.pem \
        "$SIGN" "$T/hello.exe" "$T/hello.msi" 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ] && grep -q "signed hello.exe (timestamped by $TSA_URL)" <<<"$out" &&
   grep -q "signed hello.msi (timestamped" <<<"$out"; then
  pass "sign.sh signed and timestamped hello.exe and hello.msi"
else
  fail "signing with a timestamp: rc=$rc: $out"
fi
signed_ok "$T/hello.exe" timestamped && pass "hello.exe verifies, timestamp included" ||
  fail "hello.exe does not verify with its timestamp"
signed_ok "$T/hello.msi" timestamped && pass "hello.msi verifies, timestamp included" ||
  fail "hello.msi does not verify with its timestamp"
grep -q '"POST / HTTP' "$T/tsa.log" && pass "the TSA was asked" || fail "the TSA saw no request"
ls "$T"/.hello.* >/dev/null 2>&1 && fail "temporary files left beside the signed ones" ||
  pass "no temporary file left"
[ -x "$T/hello.exe" ] && pass "hello.exe keeps its mode" || fail "hello.exe lost its mode"

out=$("$SIGN" --verify "$T/hello.exe" "$T/hello.msi" 2>&1) &&
  grep -q "hello.msi is signed by 'CN = osfleet signing test' and verifies" <<<"$out" &&
  pass "sign.sh --verify: both signed by the certificate in OSFLEET_SIGN_PFX" ||
  fail "sign.sh --verify of the signed files: $out"
out=$("$SIGN" --verify "$T/unsigned.exe" 2>&1) && fail "sign.sh --verify passed an unsigned file: $out" ||
  pass "sign.sh --verify refuses an unsigned file"
cp "$T/unsigned.exe" "$T/other.exe"
OSFLEET_SIGN_PFX=$T/other.pfx "$SIGN" "$T/other.exe" >/dev/null
out=$("$SIGN" --verify "$T/other.exe" 2>&1) &&
  fail "sign.sh --verify passed a file signed by another certificate of the same CA: $out" ||
  pass "sign.sh --verify refuses a file signed by another certificate of the same CA"

# An MSI by its content, whatever its name (a build's X.msi.tmp): signed with
# MsiDigitalSignatureEx, like hello.msi.
cp "$T/hello.msi" "$T/renamed.msi.tmp"
"$SIGN" "$T/renamed.msi.tmp" >/dev/null 2>&1 || fail "signing renamed.msi.tmp"
for f in hello.msi renamed.msi.tmp; do
  osslsigncode verify -CAfile "$T/ca.pem" -in "$T/$f" 2>&1 | grep -q "MsiDigitalSignatureEx stream doesn't exist" &&
    fail "$f signed without MsiDigitalSignatureEx" || pass "$f signed with MsiDigitalSignatureEx"
done

# 3. A tampered copy fails verify: a byte of the program's code; a value in the MSI's
# Property table (the signature covers every stream).
cp "$T/hello.exe" "$T/tampered.exe"
python3 - "$T/tampered.exe" <<'EOP'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", data, 0x3C)[0]
sections = struct.unpack_from("<H", data, pe + 6)[0]
optional = struct.unpack_from("<H", data, pe + 20)[0]
table = pe + 24 + optional
for i in range(sections):
    name, _, _, size, offset = struct.unpack_from("<8sIIII", data, table + 40 * i)
    if name.rstrip(b"\0") == b".text":
        data[offset + size // 2] ^= 0xFF
        break
else:
    sys.exit("no .text section")
open(sys.argv[1], "wb").write(data)
EOP
signed_ok "$T/tampered.exe" 2>/dev/null && fail "a tampered .exe verifies" ||
  pass "a tampered .exe fails verify"
cp "$T/hello.msi" "$T/tampered.msi"
msibuild "$T/tampered.msi" -q "UPDATE Property SET Value='someone else' WHERE Property='Manufacturer'"
signed_ok "$T/tampered.msi" 2>/dev/null && fail "a tampered .msi verifies" ||
  pass "a tampered .msi fails verify"

# 4. Without a timestamp: signed, and the signature holds no timestamp.
cp "$T/unsigned.exe" "$T/plain.exe"
"$SIGN" "$T/plain.exe" >/dev/null 2>&1 && signed_ok "$T/plain.exe" &&
  osslsigncode verify -CAfile "$T/ca.pem" -in "$T/plain.exe" 2>&1 | grep -q "Timestamp is not available" &&
  pass "signed without a timestamp" || fail "signing without a timestamp"

# 5. Each bad setting: its own message, exit 2 (1 for the TSA), the file as it was.
refused() {  # refused NAME EXPECTED_RC MESSAGE_PATTERN [VAR=VALUE...]
  local name=$1 want=$2 pattern=$3 out rc
  shift 3
  cp "$T/unsigned.exe" "$T/victim.exe"
  out=$(env "$@" "$SIGN" "$T/victim.exe" 2>&1) && rc=0 || rc=$?
  if [ "$rc" = "$want" ] && grep -q -- "$pattern" <<<"$out" && cmp -s "$T/victim.exe" "$T/unsigned.exe" &&
     ! ls "$T"/.victim.* >/dev/null 2>&1; then
    pass "$name: exit $rc, \"$(grep -- "$pattern" <<<"$out" | head -n 1)\""
  else
    fail "$name: rc=$rc (want $want), file changed or output lacks '$pattern': $out"
  fi
}
printf 'not the password\n' >"$T/wrong"
chmod 600 "$T/wrong"
refused "a wrong password" 2 "OSFLEET_SIGN_PFX=$T/signing.pfx: wrong password (the first line of OSFLEET_SIGN_PASSWORD_FILE=$T/wrong does not open it)" \
  OSFLEET_SIGN_PASSWORD_FILE="$T/wrong"
refused "not a PKCS#12 file" 2 "OSFLEET_SIGN_PFX=$T/hello.c: not a PKCS#12" OSFLEET_SIGN_PFX="$T/hello.c"
refused "a missing pfx" 2 "OSFLEET_SIGN_PFX=$T/none.pfx: no such file" OSFLEET_SIGN_PFX="$T/none.pfx"
refused "a missing password file" 2 "OSFLEET_SIGN_PASSWORD_FILE=$T/none: no such file" \
  OSFLEET_SIGN_PASSWORD_FILE="$T/none"
refused "a TLS server certificate" 2 "is not for code signing (its extended key usage lacks codeSigning: TLS Web Server Authentication)" \
  OSFLEET_SIGN_PFX="$T/server.pfx"
stopped_url=$TSA_URL
stop_tsa
refused "a TSA that does not answer" 1 "the Time-Stamp Authority OSFLEET_SIGN_TIMESTAMP_URL=$stopped_url gave no timestamp" \
  OSFLEET_SIGN_TIMESTAMP_URL="$stopped_url"
refused "an untrusted chain" 1 "does not verify" OSFLEET_SIGN_PFX="$T/leaf-only.pfx"

if [ "$failures" != 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all signing checks passed"
