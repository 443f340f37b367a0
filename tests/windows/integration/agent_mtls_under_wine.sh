#!/usr/bin/env bash
# osctl (Linux) <-> osagent.exe (Wine) over mTLS with certificates from `osctl pki`:
# get, plan, set and rollback on a BOM+CRLF server.hsconf under C:\Program Files\...,
# byte-exact, backups under C:\ProgramData\osfleet, each change in the audit log.
#   agent_mtls_under_wine.sh OSAGENT_EXE OSCTL FIXTURE_HSCONF
# A fresh WINEPREFIX per run, removed afterwards (OSFLEET_KEEP_WINEPREFIX=1 keeps it).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 OSAGENT_EXE OSCTL FIXTURE_HSCONF" >&2; exit 2; }
AGENT_EXE=$(realpath "$1") OSCTL=$(realpath "$2") FIXTURE=$(realpath "$3")
. "$(dirname "$0")/wine_test_lib.sh"
wine_test_begin it
FAIL_LOGS=("$WORK/agent.log")

step "the fleet PKI: a CA, the agent's certificate, an operator's"
make_pki "$OSCTL" it-operator win01
windows_server_folders win01
TLS=$DATA/tls
bom_crlf "$FIXTURE" >"$PLATFORM/server.hsconf"
cp "$PLATFORM/server.hsconf" "$WORK/original.hsconf"
OLD=$(first_address "$FIXTURE")
[ -n "$OLD" ] || fail "no <Server> in $FIXTURE"

step "osagent.exe under Wine, mTLS, port 0"
# A real Windows config file (CRLF, backslashed paths) rather than flags.
printf '%s\r\n' "name: win01" "role: front_end" "listen: 127.0.0.1:0" \
  "port_file: 'Z:${WORK//\//\\}\\port'" \
  "hsconf: 'C:\\Program Files\\OutSystems\\Platform Server\\server.hsconf'" \
  "state_dir: 'C:\\ProgramData\\osfleet'" \
  "$(windows_tls_line win01)" \
  >"$C/ProgramData/osfleet/agent.yaml"
step "a private key others may read is refused, naming it"
chmod 0644 "$TLS/win01.key"
if timeout 60 wine "$AGENT_EXE" --config 'C:\ProgramData\osfleet\agent.yaml' >"$WORK/refused.log" 2>&1; then
  fail "osagent.exe started with a key everyone may read"
fi
grep -q 'win01.key' "$WORK/refused.log" || fail "the refusal does not name the key: $(cat "$WORK/refused.log")"
chmod 0600 "$TLS/win01.key"
wine "$AGENT_EXE" --config 'C:\ProgramData\osfleet\agent.yaml' >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
for _ in $(seq 1 600); do
  [ -s "$WORK/port" ] && break
  kill -0 "$AGENT_PID" 2>/dev/null || fail "osagent.exe exited"
  sleep 0.1
done
[ -s "$WORK/port" ] || fail "osagent.exe wrote no port file in 60 s"
PORT=$(tr -d '\r\n' <"$WORK/port")
one_server_inventory win01 "$PORT" it-operator
osctl() { "$OSCTL" --inventory "$WORK/inventory.yaml" --timeout 30s "$@"; }

step "endpoints get"
osctl -o json endpoints get >"$WORK/get.json" || fail "endpoints get"
grep -q "\"$OLD\"" "$WORK/get.json" || fail "endpoints get does not show $OLD: $(cat "$WORK/get.json")"

step "endpoints plan changes nothing"
osctl endpoints plan --platform SQLNEW01.corp.example.com,1433 >"$WORK/plan.txt" ||
  fail "endpoints plan: $(cat "$WORK/plan.txt")"
grep -q "SQLNEW01" "$WORK/plan.txt" || fail "the plan does not name the new address"
cmp -s "$WORK/original.hsconf" "$PLATFORM/server.hsconf" || fail "the plan changed the file"

step "endpoints set: only the addresses change, BOM and CRLF stay"
osctl endpoints set --yes --platform SQLNEW01.corp.example.com,1433 --log SQLNEW01.corp.example.com,1433 \
  --session SQLNEW01.corp.example.com,1433 --reason "wine integration test" >"$WORK/set.txt" ||
  fail "endpoints set: $(cat "$WORK/set.txt")"
sed "s/>$OLD</>SQLNEW01.corp.example.com,1433</" "$WORK/original.hsconf" >"$WORK/expected.hsconf"
cmp "$WORK/expected.hsconf" "$PLATFORM/server.hsconf" ||
  fail "server.hsconf differs from the original with only the addresses changed"

step "a backup under C:\\ProgramData\\osfleet, then rollback restores the original byte for byte"
BACKUP=$(osctl -o json endpoints backups | grep -o '"s[0-9]\{6\}-[^"]*"' | head -1 | tr -d '"')
[ -n "$BACKUP" ] || fail "endpoints backups lists no backup"
has "$(ls "$C/ProgramData/osfleet/backups")" "$BACKUP" || fail "backup $BACKUP not under ProgramData"
osctl endpoints rollback --backup "$BACKUP" >"$WORK/rollback.txt" ||
  fail "endpoints rollback: $(cat "$WORK/rollback.txt")"
cmp "$WORK/original.hsconf" "$PLATFORM/server.hsconf" || fail "rollback is not byte-exact"

step "the audit log names each change and the operator"
AUDIT=$C/ProgramData/osfleet/audit.log
for call in Endpoints.Set Endpoints.Rollback; do  # the calls that change something
  grep -q "$call" "$AUDIT" || fail "$call missing from the audit log"
done
grep -q "it-operator" "$AUDIT" || fail "the operator is missing from the audit log"
echo "PASS: osctl <-> osagent.exe under Wine over mTLS"
