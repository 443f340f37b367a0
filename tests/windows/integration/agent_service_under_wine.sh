#!/usr/bin/env bash
# osagent.exe as a Windows service and the `windows` services backend, on Wine's Service
# Control Manager:
#   - `osagent service install` registers it (automatic start, `service run --config`),
#     the SCM starts it, osctl (Linux) reaches it over mTLS, the SCM's stop ends it cleanly
#     (logged to C:\ProgramData\osfleet\logs\osagent.log) and a change pending confirmation
#     survives the stop; install again updates it; uninstall removes it;
#   - the agent restarts a real service registered in Wine's SCM (the simulated OutSystems
#     service, up only while its databases answer) under a confirm window, and a start that
#     fails on a wrong address reverts the file at once and starts the service again.
#   agent_service_under_wine.sh OSAGENT_EXE SIMULATED_SERVICE_EXE OSCTL FAKE_SQLSERVER FIXTURE
set -euo pipefail
[ $# -eq 5 ] || {
  echo "usage: $0 OSAGENT_EXE SIMULATED_SERVICE_EXE OSCTL FAKE_SQLSERVER FIXTURE_HSCONF" >&2
  exit 2
}
AGENT_EXE=$(realpath "$1") SERVICE_EXE=$(realpath "$2") OSCTL=$(realpath "$3")
FAKE_SQL=$(realpath "$4") FIXTURE=$(realpath "$5")
. "$(dirname "$0")/wine_test_lib.sh"
wine_test_begin svc
LOG=$C/ProgramData/osfleet/logs/osagent.log
FAIL_LOGS=("$LOG")

step "the fleet PKI"
make_pki "$OSCTL" it-operator win01
"$OSCTL" pki issue agent database --dir "$WORK/pki" >/dev/null

# One database server behind two addresses (cluster nodes sharing a certificate: osctl's
# same-server check says `unknown` and warns, as for the Linux farm), and a dead address.
step "two databases that answer (old and new address) and one that never will"
for db in old new; do
  "$FAKE_SQL" --listen-port-file "$WORK/$db.port" --tls files --cert "$WORK/pki/database.pem" \
    --key "$WORK/pki/database.key" </dev/null >"$WORK/$db.log" 2>&1 &
  PIDS+=($!)
done
wait_for 10 "the fake SQL Servers' ports" test -s "$WORK/old.port" -a -s "$WORK/new.port"
OLD="127.0.0.1,$(cat "$WORK/old.port")" NEW="127.0.0.1,$(cat "$WORK/new.port")"
DEAD="127.0.0.1,1"  # nothing listens on port 1

step "a BOM+CRLF server.hsconf on the old address"
windows_server_folders win01
mkdir -p "$C/osfleet-test" && chmod 755 "$C/osfleet-test"
sed "s|<Server encrypted=\"false\">[^<]*</Server>|<Server encrypted=\"false\">$OLD</Server>|" \
  "$FIXTURE" >"$WORK/old.hsconf"
bom_crlf "$WORK/old.hsconf" >"$PLATFORM/server.hsconf"
HSCONF_WIN='C:\Program Files\OutSystems\Platform Server\server.hsconf'
cp "$SERVICE_EXE" "$C/osfleet-test/simulated-service.exe"
mkdir -p "$C/Program Files/osfleet" && chmod 755 "$C/Program Files/osfleet"
cp "$AGENT_EXE" "$C/Program Files/osfleet/osagent.exe"
AGENT='C:\Program Files\osfleet\osagent.exe'  # where the MSI puts it

step "the simulated OutSystems Deployment Service registered in Wine's SCM"
SVC="OutSystems Deployment Service"
w sc create "$SVC" binPath= "\"C:\\osfleet-test\\simulated-service.exe\" --as-service --name \"$SVC\" --hsconf \"$HSCONF_WIN\" --check-interval-ms 100 --timeout-ms 500" >"$WORK/sc-create.txt" ||
  fail "sc create: $(cat "$WORK/sc-create.txt")"

step "osagent service install: the config is checked first"
printf '%s\r\n' "name: win01" "role: front_end" "listen: 127.0.0.1:0" \
  "port_file: 'Z:${WORK//\//\\}\\port'" \
  "state_dir: 'C:\\ProgramData\\osfleet'" \
  "min_healthy: 1s" \
  "$(windows_tls_line win01)" \
  "services:" "  - {name: $SVC, backend: windows, start_timeout: 20s, stop_timeout: 20s}" \
  >"$WORK/agent.yaml"
out=$(w "$AGENT" service install) && fail "installed without a config: $out"
has "$out" 'not installed: .*agent.yaml' || fail "the refusal does not name the config: $out"
cp "$WORK/agent.yaml" "$DATA/agent.yaml"
out=$(w "$AGENT" service install --account 'CORP\alice') && fail "installed as a user without a password: $out"
has "$out" 'needs a password' || fail "the account refusal does not say why: $out"
out=$(w "$AGENT" service install) || fail "service install: $out"
has "$out" 'installed service osagent' || fail "service install said: $out"
# Wine's sc has no qc: the SCM's own registry key.
qc=$(w reg query 'HKLM\System\CurrentControlSet\Services\osagent')
has "$qc" 'Start *REG_DWORD *0x2$' || fail "not an automatic start: $qc"
has "$qc" -F 'osagent.exe" service run --config C:\ProgramData\osfleet\agent.yaml' ||
  fail "the service's command line: $qc"

step "a console run of \`service run\` says how to start the service"
out=$(w "$AGENT" service run) && fail "service run in a console succeeded: $out"
has "$out" 'sc start osagent' || fail "service run in a console said: $out"

step "the SCM starts osagent; osctl reaches it over mTLS"
w sc start osagent >/dev/null
wait_for 60 "osagent's port file" test -s "$WORK/port"
wait_for 30 "osagent RUNNING" is_state osagent RUNNING
PORT=$(tr -d '\r\n' <"$WORK/port")
one_server_inventory win01 "$PORT" it-operator
osctl() { "$OSCTL" --inventory "$WORK/inventory.yaml" --timeout 60s "$@" </dev/null; }
osctl -o json endpoints get >"$WORK/get.json" || fail "endpoints get: $(cat "$WORK/get.json")"
grep -q "\"$OLD\"" "$WORK/get.json" || fail "endpoints get: $(cat "$WORK/get.json")"

step "the windows backend starts the registered service"
osctl services start >"$WORK/start.txt" 2>&1 || fail "services start: $(cat "$WORK/start.txt")"
is_state "$SVC" RUNNING || fail "$SVC is $(state_of "$SVC") after services start"

step "a restart under a confirm window on the new address, then confirm"
set_all() {  # set_all ADDRESS: every database to ADDRESS, restarting, pending confirmation
  osctl endpoints set --yes --platform "$1" --log "$1" --session "$1" --restart --restart-timeout 2m \
    --confirm-timeout 10m --reason "wine service test"
}
set_all "$NEW" >"$WORK/set.txt" 2>&1 || fail "endpoints set to $NEW: $(cat "$WORK/set.txt")"
is_state "$SVC" RUNNING || fail "$SVC is $(state_of "$SVC") after the restart"
osctl endpoints confirm >"$WORK/confirm.txt" 2>&1 || fail "confirm: $(cat "$WORK/confirm.txt")"
grep -q ">$NEW<" "$PLATFORM/server.hsconf" || fail "server.hsconf does not hold $NEW"
cp "$PLATFORM/server.hsconf" "$WORK/before-dead.hsconf"

step "a start that fails on a wrong address reverts at once and starts the service again"
if set_all "$DEAD" >"$WORK/dead.txt" 2>&1; then fail "a change to $DEAD succeeded: $(cat "$WORK/dead.txt")"; fi
grep -qi "revert" "$WORK/dead.txt" || fail "osctl does not say it reverted: $(cat "$WORK/dead.txt")"
cmp "$WORK/before-dead.hsconf" "$PLATFORM/server.hsconf" || fail "the revert is not byte-exact"
is_state "$SVC" RUNNING || fail "$SVC is $(state_of "$SVC") after the revert"

step "the SCM's stop keeps a change pending confirmation; the restarted service still has it"
osctl endpoints set --yes --platform "$OLD" --log "$OLD" --session "$OLD" --confirm-timeout 10m \
  >"$WORK/pending.txt" 2>&1 || fail "endpoints set (pending): $(cat "$WORK/pending.txt")"
rm -f "$WORK/port"
w sc stop osagent >/dev/null
wait_for 30 "osagent STOPPED" is_state osagent STOPPED
grep -q "the Service Control Manager's stop: shutting down" "$LOG" || fail "no clean stop in the log"
has "$(tail -n 1 "$LOG")" ' osagent: stopped' || fail "the log does not end with stopped"
grep -q ">$OLD<" "$PLATFORM/server.hsconf" || fail "the pending change was undone by the stop"
w sc start osagent >/dev/null
wait_for 60 "osagent's port file after the restart" test -s "$WORK/port"
PORT=$(tr -d '\r\n' <"$WORK/port")
sed -i "s/127.0.0.1:[0-9]*/127.0.0.1:$PORT/" "$WORK/inventory.yaml"
osctl endpoints confirm >"$WORK/confirm2.txt" 2>&1 ||
  fail "the pending change did not survive the stop: $(cat "$WORK/confirm2.txt")"

step "install again updates; uninstall stops and removes; a second uninstall has nothing to do"
out=$(w "$AGENT" service install) || fail "service install again: $out"
has "$out" 'updated service osagent' || fail "service install again said: $out"
out=$(w "$AGENT" service uninstall) || fail "service uninstall: $out"
has "$out" 'stopped and removed service osagent' || fail "service uninstall said: $out"
has "$(w sc query osagent)" 'STATE' && fail "osagent is still registered"
out=$(w "$AGENT" service uninstall) || fail "second uninstall: $out"
has "$out" 'not installed' || fail "second uninstall said: $out"
echo "PASS: osagent.exe as a Windows service and the windows services backend under Wine"
