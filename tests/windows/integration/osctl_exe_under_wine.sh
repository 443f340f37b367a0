#!/usr/bin/env bash
# osctl.exe from a Windows workstation (Wine) against a mixed fleet over mTLS: two Linux
# osagent processes and one osagent.exe (Wine). A CRLF inventory with Windows paths,
# `fleet status` as JSON, `endpoints get`, `endpoints set` pending confirmation on every
# server (each file then differs from its original in the addresses alone), and
# `endpoints rollback` reverting it everywhere.
#   osctl_exe_under_wine.sh OSCTL_EXE OSAGENT_EXE OSAGENT OSCTL FIXTURE_HSCONF
# (OSCTL, the Linux one, only makes the PKI.)
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 OSCTL_EXE OSAGENT_EXE OSAGENT OSCTL FIXTURE_HSCONF" >&2; exit 2; }
OSCTL_EXE=$(realpath "$1") AGENT_EXE=$(realpath "$2") AGENT=$(realpath "$3")
OSCTL=$(realpath "$4") FIXTURE=$(realpath "$5")
. "$(dirname "$0")/wine_test_lib.sh"
wine_test_begin ctl
FAIL_LOGS=("$WORK/lin01.log" "$WORK/lin02.log" "$WORK/win01.log")
port() { tr -d '\r\n' <"$WORK/$1.port"; }

step "the fleet PKI; two Linux agents and one osagent.exe, each with a BOM+CRLF server.hsconf"
make_pki "$OSCTL" ws-operator lin01 lin02 win01
original() { bom_crlf "$FIXTURE"; }
OLD=$(first_address "$FIXTURE")
for name in lin01 lin02; do
  mkdir -p "$WORK/$name"
  original >"$WORK/$name/server.hsconf"
  "$AGENT" --name "$name" --role front_end --listen 127.0.0.1:0 --port-file "$WORK/$name.port" \
    --hsconf "$WORK/$name/server.hsconf" --state-dir "$WORK/$name/state" \
    --tls-cert "$WORK/pki/$name.pem" --tls-key "$WORK/pki/$name.key" --tls-ca "$WORK/pki/ca.pem" \
    </dev/null >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
done
windows_server_folders win01
original >"$PLATFORM/server.hsconf"
wine "$AGENT_EXE" --name win01 --role front_end --listen 127.0.0.1:0 --port-file "$(winpath "$WORK/win01.port")" \
  --tls-cert 'C:\ProgramData\osfleet\tls\win01.pem' --tls-key 'C:\ProgramData\osfleet\tls\win01.key' \
  --tls-ca 'C:\ProgramData\osfleet\tls\ca.pem' </dev/null >"$WORK/win01.log" 2>&1 &
PIDS+=($!)
for name in lin01 lin02 win01; do wait_for 60 "$name's port file" test -s "$WORK/$name.port"; done

step "a CRLF inventory with Windows paths, as a Windows workstation has it"
printf '%s\r\n' "defaults:" \
  "  tls: {ca: '$(winpath "$WORK/pki/ca.pem")', cert: '$(winpath "$WORK/pki/ws-operator.pem")', key: '$(winpath "$WORK/pki/ws-operator.key")'}" \
  "servers:" \
  "  - {name: lin01, address: '127.0.0.1:$(port lin01)', role: front_end}" \
  "  - {name: lin02, address: '127.0.0.1:$(port lin02)', role: front_end}" \
  "  - {name: win01, address: '127.0.0.1:$(port win01)', role: front_end}" \
  >"$WORK/inventory.yaml"
osctl_exe() {
  wine "$OSCTL_EXE" --inventory "$(winpath "$WORK/inventory.yaml")" --timeout 60s "$@" </dev/null 2>&1 |
    tr -d '\r'
}

step "osctl.exe fleet status (JSON)"
out=$(osctl_exe -o json fleet status) || fail "fleet status: $out"
for name in lin01 lin02 win01; do
  has "$out" "\"$name\"" || fail "fleet status does not list $name: $out"
done
has "$out" 'Windows' || fail "fleet status does not show win01's OS: $out"
has "$out" 'Linux' || fail "fleet status does not show a Linux agent's OS: $out"

step "osctl.exe endpoints get"
out=$(osctl_exe -o json endpoints get) || fail "endpoints get: $out"
[ "$(echo "$out" | grep -o "\"$OLD\"" | wc -l)" -ge 3 ] || fail "endpoints get: $out"

step "osctl.exe endpoints set on the whole fleet: only the addresses change"
NEW=SQLNEW01.corp.example.com,1433
out=$(osctl_exe endpoints set --yes --platform "$NEW" --log "$NEW" --session "$NEW" \
  --confirm-timeout 10m --reason "from osctl.exe") ||
  fail "endpoints set: $out"
original | sed "s/>$OLD</>$NEW</" >"$WORK/expected.hsconf"
for f in "$WORK/lin01/server.hsconf" "$WORK/lin02/server.hsconf" "$PLATFORM/server.hsconf"; do
  cmp "$WORK/expected.hsconf" "$f" || fail "$f differs from the original with only the addresses changed"
done

step "osctl.exe endpoints rollback reverts the pending change on every server, byte for byte"
out=$(osctl_exe endpoints rollback) || fail "endpoints rollback: $out"
original >"$WORK/original.hsconf"
for f in "$WORK/lin01/server.hsconf" "$WORK/lin02/server.hsconf" "$PLATFORM/server.hsconf"; do
  cmp "$WORK/original.hsconf" "$f" || fail "$f is not the original after the rollback"
done
echo "PASS: osctl.exe (Wine) against Linux agents and osagent.exe over mTLS"
