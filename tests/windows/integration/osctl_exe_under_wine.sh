#!/usr/bin/env bash
# osctl.exe from a Windows workstation (Wine) against a mixed fleet over mTLS: two Linux
# osagent processes and one osagent.exe (Wine). A CRLF inventory with Windows paths,
# `fleet status` as JSON, `endpoints get`, `endpoints set` pending confirmation on every
# server (each file then differs from its original in the addresses alone), and
# `endpoints rollback` reverting it everywhere. Then, as from cmd.exe (no HOME), where
# osctl.exe keeps its rollout journals: %LOCALAPPDATA%\osfleet\rollouts, found again by
# `rollout status` and `rollout resume`; a journal an older osctl left in
# C:\tmp\.local\state is moved there once; non-ASCII arguments and output survive.
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
# osagent.exe's port file in a folder named outside the ANSI code page: the agent reads its
# command line as UTF-16 (an ANSI argv would turn 東京 into "??" and write elsewhere).
mkdir -p "$WORK/Łódź-東京"
wine "$AGENT_EXE" --name win01 --role front_end --listen 127.0.0.1:0 --port-file "$(winpath "$WORK/Łódź-東京/port")" \
  --tls-cert 'C:\ProgramData\osfleet\tls\win01.pem' --tls-key 'C:\ProgramData\osfleet\tls\win01.key' \
  --tls-ca 'C:\ProgramData\osfleet\tls\ca.pem' </dev/null >"$WORK/win01.log" 2>&1 &
PIDS+=($!)
wait_for 60 "win01's port file in $WORK/Łódź-東京" test -s "$WORK/Łódź-東京/port"
cp "$WORK/Łódź-東京/port" "$WORK/win01.port"
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

step "osctl.exe reads its arguments and writes its messages in UTF-8"
CITY='Łódź-東京'
out=$(osctl_exe --limit "$CITY" fleet status) && fail "--limit $CITY selected servers: $out"
has "$out" -F -- "--limit: '$CITY' matches no server in the inventory" ||
  fail "non-ASCII text did not survive the command line and the output: $out"

step "on a console (a pseudo-terminal: Wine gives osctl.exe a console), too"
# Wine's console redraws through escape sequences (cursor hidden and shown around each
# write, a blank as "erase, cursor forward"): the text is what remains without them.
out=$(script -qec "wine '$OSCTL_EXE' --inventory '$(winpath "$WORK/inventory.yaml")' --limit '$CITY' fleet status" /dev/null </dev/null |
  tr -d '\r' | sed -E $'s/\x1b\\[K\x1b\\[1C/ /g; s/\x1b\\[[0-9;?]*[A-Za-z]//g') || true
has "$out" -F -- "--limit: '$CITY' matches no server" ||
  fail "the console mangled non-ASCII text: $(printf '%q' "$out")"

# osctl.exe as from cmd.exe: no HOME (Wine passes none anyway), in C:\. An older osctl.exe
# kept journals in \tmp\.local\state on the current drive (Wine: Z:\tmp, the Unix /tmp) and
# on the system drive: C:\tmp\.local\state, inside the prefix, is the one planted here.
osctl_c() {
  (cd "$C" && env -u HOME -u XDG_STATE_HOME -u OSFLEET_STATE_DIR \
    wine "$OSCTL_EXE" --inventory "$(winpath "$WORK/inventory.yaml")" --timeout 60s "$@" \
    </dev/null 2>&1 | tr -d '\r')
}
STATE="$C/users/$(id -un)/AppData/Local/osfleet"
WINSTATE="C:\\users\\$(id -un)\\AppData\\Local\\osfleet"
OLD_DIR="$C/tmp/.local/state/osfleet/rollouts"
WINOLD='C:\tmp\.local\state\osfleet\rollouts'
ID=20261201-100000-0001
# A planned rollout of this fleet as an older osctl.exe wrote it (no CA fingerprint yet).
journal_json() {
  local first=1 name
  printf '{"id": "%s", "inventory": "inventory.yaml", "ca_fingerprint": "",\n' "$ID"
  printf ' "created": "2026-12-01T10:00:00.000Z", "created_unix_ms": 1796119200000,\n'
  printf ' "updated": "2026-12-01T10:00:00.000Z", "updated_unix_ms": 1796119200000,\n'
  printf ' "options": {"platform": "%s", "log": "", "session": "", "batch": "25%%", "canary": 1, "max_fail": "0", "confirm_timeout": "10m", "lease": "30s", "on_failure": "rollback", "advanced_settings": "refuse", "skip_service_center": true, "install_service_center": false, "allow_different_server": false},\n' "$NEW"
  printf ' "phase": "planned", "batches": 1, "service_center": "", "note": "", "drain": null, "hosts": ['
  for name in lin01 lin02 win01; do
    [ $first = 1 ] || printf ','
    first=0
    printf '\n  {"name": "%s", "role": "front_end", "address": "127.0.0.1:%s", "batch": 0, "old_revision": "", "old_addresses": {}, "new_revision": "", "change_id": "", "backup_id": "", "state": "planned", "error": "", "restart_seconds": 0.0, "configuration_tool": "", "configuration_tool_output": "", "warnings": []}' "$name" "$(port $name)"
  done
  printf '\n]}\n'
}

step "a journal an older osctl.exe left in C:\\tmp\\.local\\state moves to %LOCALAPPDATA%\\osfleet, once"
[ -e "$STATE" ] && fail "$STATE exists before any rollout command"
mkdir -p "$OLD_DIR"
chmod 700 "$C/tmp/.local/state/osfleet" "$OLD_DIR"
journal_json >"$OLD_DIR/$ID.json"
chmod 600 "$OLD_DIR/$ID.json"
cp "$OLD_DIR/$ID.json" "$WORK/journal.json"
out=$(osctl_c rollout status) || true
has "$out" -F "osctl: moved 1 rollout journal from $WINOLD to $WINSTATE\\rollouts (where osctl keeps them now)" ||
  fail "no line saying what was moved where: $out"
cmp -s "$WORK/journal.json" "$STATE/rollouts/$ID.json" || fail "$ID.json is not in $STATE/rollouts: $out"
[ -e "$OLD_DIR/$ID.json" ] && fail "$ID.json is still in the old place"
has "$out" -F "rollout $ID: planned" || fail "rollout status does not show $ID: $out"

step "rollout status and rollout resume find it there (HOME unset)"
out=$(osctl_c rollout status) || true
has "$out" -F "osctl: moved" && fail "moved again: $out"
has "$out" -F "journal $WINSTATE\\rollouts\\$ID.json" || fail "rollout status: $out"
out=$(osctl_c -o json rollout status "$ID") || true
has "$out" -F "\"id\": \"$ID\"" || fail "rollout status -o json $ID: $out"
out=$(osctl_c rollout resume) && fail "rollout resume went ahead without --yes: $out"
has "$out" -F "no rollout journal" && fail "rollout resume did not find $ID: $out"
has "$out" -F "rollout $ID (planned)" || fail "rollout resume does not name $ID: $out"

step "a journal whose name is taken in the new place is left in the old one, both kept"
echo '{"older": "copy"}' >"$OLD_DIR/$ID.json"
chmod 600 "$OLD_DIR/$ID.json"
out=$(osctl_c rollout status "$ID") || true
has "$out" -F "osctl: left $WINOLD\\$ID.json where it is: $WINSTATE\\rollouts\\$ID.json exists already" ||
  fail "no line saying the journal of a taken name was left: $out"
cmp -s "$WORK/journal.json" "$STATE/rollouts/$ID.json" || fail "the journal $ID was overwritten"
grep -q older "$OLD_DIR/$ID.json" || fail "the old copy is gone"
echo "PASS: osctl.exe (Wine) against Linux agents and osagent.exe over mTLS"
