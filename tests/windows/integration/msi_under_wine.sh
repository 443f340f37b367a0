#!/usr/bin/env bash
# The agent's MSI under Wine: `msiexec /i /qn` puts osagent.exe, the example config and the
# .proto files under C:\Program Files\osfleet, registers the service osagent (automatic
# start, `service run --config C:\ProgramData\osfleet\agent.yaml`) and starts it, and
# osctl (Linux) reaches it over mTLS;
# `msiexec /x /qn` stops and removes the service and the program files and keeps
# C:\ProgramData\osfleet (the administrator's config, keys and backups).
#   msi_under_wine.sh MSI OSCTL FIXTURE_HSCONF
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MSI OSCTL FIXTURE_HSCONF" >&2; exit 2; }
MSI=$(realpath "$1") OSCTL=$(realpath "$2") FIXTURE=$(realpath "$3")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/osfleet-wine-msi.XXXXXX")
chmod 755 "$WORK"
. "$(dirname "$0")/../wine_prefix.sh"
cleanup() {
  stop_wine_prefix
  if [ "${OSFLEET_KEEP_WINEPREFIX:-0}" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
C=$WORK/prefix/drive_c
DATA=$C/ProgramData/osfleet
LOG=$DATA/logs/osagent.log
fail() {
  echo "FAIL: $*" >&2
  [ -f "$LOG" ] && tail -n 30 "$LOG" >&2
  exit 1
}
step() { echo "== $*"; }
w() { wine "$@" </dev/null 2>&1 | tr -d '\r'; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    "$@" && return 0
    sleep 0.1
  done
  fail "$what not within ${seconds} s"
}
state_of() { w sc query "$1" | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }

start_wine_prefix "$WORK/prefix"

step "the administrator's part first: certificates, agent.yaml, server.hsconf"
"$OSCTL" pki init --dir "$WORK/pki" >/dev/null
"$OSCTL" pki issue agent win01 --dir "$WORK/pki" >/dev/null
"$OSCTL" pki issue operator it-operator --role operator --dir "$WORK/pki" >/dev/null
PLATFORM="$C/Program Files/OutSystems/Platform Server"
mkdir -p "$PLATFORM" "$DATA/tls"
chmod 755 "$C" "$C/Program Files" "$C/Program Files/OutSystems" "$PLATFORM" "$C/ProgramData" "$DATA"
install -m 0600 "$WORK/pki/win01.key" "$DATA/tls/win01.key"
install -m 0644 "$WORK/pki/win01.pem" "$WORK/pki/ca.pem" "$DATA/tls/"
{ printf '\xef\xbb\xbf'; sed 's/$/\r/' "$FIXTURE"; } >"$PLATFORM/server.hsconf"
OLD=$(grep -o '<Server[^>]*>[^<]*' "$FIXTURE" | head -1 | sed 's/.*>//')
# hsconf and state_dir keep their Windows defaults: the Platform Server folder, ProgramData.
printf '%s\r\n' "name: win01" "role: front_end" "listen: 127.0.0.1:0" \
  "port_file: 'Z:${WORK//\//\\}\\port'" \
  "tls: {cert: 'C:\\ProgramData\\osfleet\\tls\\win01.pem', key: 'C:\\ProgramData\\osfleet\\tls\\win01.key', ca: 'C:\\ProgramData\\osfleet\\tls\\ca.pem'}" \
  >"$DATA/agent.yaml"
cp "$DATA/agent.yaml" "$WORK/agent.yaml"

step "msiexec /i /qn"
cp "$MSI" "$C/osfleet-agent.msi"
w msiexec /i 'C:\osfleet-agent.msi' /qn >"$WORK/install.txt" || fail "msiexec /i: $(cat "$WORK/install.txt")"
PF="$C/Program Files/osfleet"
for f in osagent.exe agent.example.yaml protos/osfleet/v1/endpoints.proto protos/osfleet/v1/types.proto; do
  [ -f "$PF/$f" ] || fail "the MSI did not install $f"
done
qc=$(w reg query 'HKLM\System\CurrentControlSet\Services\osagent')
echo "$qc" | grep -q 'Start *REG_DWORD *0x2$' || fail "not an automatic start: $qc"
# Windows Installer quotes the program's path in ImagePath; Wine's leaves it bare (its SCM
# still finds the program).
echo "$qc" | grep -qE 'ImagePath +REG_SZ +"?C:\\Program Files\\osfleet\\osagent.exe"? service run --config "C:\\ProgramData\\osfleet\\agent.yaml"$' ||
  fail "the service's command line: $qc"

step "the MSI started the service; osctl reaches it over mTLS"
wait_for 60 "osagent's port file" test -s "$WORK/port"
wait_for 30 "osagent RUNNING" is_state osagent RUNNING
PORT=$(tr -d '\r\n' <"$WORK/port")
cat >"$WORK/inventory.yaml" <<YAML
defaults:
  tls: {ca: $WORK/pki/ca.pem, cert: $WORK/pki/it-operator.pem, key: $WORK/pki/it-operator.key}
servers:
  - {name: win01, address: "127.0.0.1:$PORT", role: front_end}
YAML
"$OSCTL" --inventory "$WORK/inventory.yaml" --timeout 60s -o json endpoints get </dev/null \
  >"$WORK/get.json" 2>&1 || fail "endpoints get: $(cat "$WORK/get.json")"
grep -q "\"$OLD\"" "$WORK/get.json" || fail "endpoints get: $(cat "$WORK/get.json")"
grep -q "started by the Service Control Manager" "$LOG" || fail "no start in $LOG"

step "msiexec /x /qn: service and program files gone, ProgramData kept"
w msiexec /x 'C:\osfleet-agent.msi' /qn >"$WORK/remove.txt" || fail "msiexec /x: $(cat "$WORK/remove.txt")"
wait_for 30 "the service osagent removed" bash -c '! wine sc query osagent </dev/null 2>/dev/null | grep -q STATE'
# The service's process may still be ending when msiexec returns (Wine's StopServices
# does not wait as Windows Installer does): give the removal a moment.
wait_for 30 "osagent.exe removed" test ! -e "$PF/osagent.exe"
[ -e "$PF/protos" ] && fail "the .proto files are still installed"
cmp -s "$WORK/agent.yaml" "$DATA/agent.yaml" || fail "uninstalling changed or removed agent.yaml"
[ -f "$DATA/tls/win01.key" ] || fail "uninstalling removed the agent's key"
grep -q "the Service Control Manager's stop: shutting down" "$LOG" || fail "no clean stop in $LOG"
echo "PASS: the osfleet agent MSI under Wine"
