#!/usr/bin/env bash
# osagent.exe's events in the Windows Event Log, under Wine. Wine keeps no event log: its
# ReportEventW traces what it is given (WINEDEBUG: the advapi fixme line has the type,
# category and id; the eventlog channel the text), and the services' traces go to
# services.exe's stderr, kept here (OSFLEET_WINE_SERVICES_LOG). Checks:
#   - osagent.exe holds the message table packaging/windows/osagent-events.mc compiles to
#     (windmc, then windres's dump of both);
#   - `osagent service install` registers the source osagent (EventMessageFile,
#     CategoryMessageFile, CategoryCount 3, TypesSupported 7), uninstall removes it;
#   - the service writes, under the source osagent: its start (100), an audited call's line
#     (300), its stop (101); a start on a broken agent.yaml writes the error (201) and the
#     failure (102);
#   - with an MSI given, msiexec registers the same source and removing the MSI removes it.
#   event_log_under_wine.sh OSAGENT_EXE OSCTL FIXTURE_HSCONF [AGENT_MSI]
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OSAGENT_EXE OSCTL FIXTURE_HSCONF [AGENT_MSI]" >&2; exit 2; }
AGENT_EXE=$(realpath "$1") OSCTL=$(realpath "$2") FIXTURE=$(realpath "$3")
MSI=${4:+$(realpath "$4")}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
export WINEDEBUG=-all,+eventlog,fixme+advapi
TRACE_FILE=$(mktemp "${TMPDIR:-/tmp}/osfleet-services-trace.XXXXXX")
export OSFLEET_WINE_SERVICES_LOG=$TRACE_FILE
. "$(dirname "$0")/wine_test_lib.sh"
wine_test_begin eventlog
mv "$TRACE_FILE" "$WORK/services.trace"  # services.exe keeps writing to it (same file)
TRACE=$WORK/services.trace
LOG=$C/ProgramData/osfleet/logs/osagent.log
FAIL_LOGS=("$LOG" "$TRACE")
KEY='HKLM\System\CurrentControlSet\Services\EventLog\Application\osagent'

traced() { grep -qF -- "$1" "$TRACE"; }
# ReportEventW's fixme line: (handle,TYPE,CATEGORY,ID,...): information 0x0004, error 0x0001.
event_id() { printf ',0x%04x,0x%04x,0x%08x,' "$1" "$2" "$3"; }

step "osagent.exe holds the Event Log's message table (windmc + windres)"
mc=$WORK/mc
mkdir -p "$mc"
x86_64-w64-mingw32-windmc -h "$mc" -r "$mc" "$ROOT/packaging/windows/osagent-events.mc"
table() { sed -n '/RT_MESSAGETABLE/,/^END/p' | sed 's/ MOVEABLE PURE DISCARDABLE//'; }
x86_64-w64-mingw32-windres -I "$mc" -i "$mc/osagent-events.rc" -O rc | table >"$mc/expected.rc"
x86_64-w64-mingw32-windres -i "$AGENT_EXE" -O rc 2>/dev/null | table >"$mc/actual.rc" || true
[ -s "$mc/expected.rc" ] || fail "windres made no message table from osagent-events.mc"
cmp -s "$mc/expected.rc" "$mc/actual.rc" ||
  fail "osagent.exe's message table is not osagent-events.mc's: $(diff "$mc/expected.rc" "$mc/actual.rc" | head -n 5)"

step "the fleet PKI, server.hsconf, osagent.exe where the MSI puts it"
make_pki "$OSCTL" it-operator win01
windows_server_folders win01
bom_crlf "$FIXTURE" >"$PLATFORM/server.hsconf"
mkdir -p "$C/Program Files/osfleet" && chmod 755 "$C/Program Files/osfleet"
cp "$AGENT_EXE" "$C/Program Files/osfleet/osagent.exe"
AGENT='C:\Program Files\osfleet\osagent.exe'
agent_yaml() {  # agent_yaml ROLE
  printf '%s\r\n' "name: win01" "role: $1" "listen: 127.0.0.1:0" \
    "port_file: 'Z:${WORK//\//\\}\\port'" "state_dir: 'C:\\ProgramData\\osfleet'" \
    "$(windows_tls_line win01)" >"$DATA/agent.yaml"
}
agent_yaml front_end

step "osagent service install registers the event source osagent"
out=$(w "$AGENT" service install) || fail "service install: $out"
has "$out" -F 'registered the event source osagent (Application log, messages from C:\Program Files\osfleet\osagent.exe)' ||
  fail "service install said: $out"
reg=$(w reg query "$KEY") || fail "no key $KEY: $reg"
has "$reg" -F 'osagent.exe' || fail "EventMessageFile: $reg"
has "$reg" 'EventMessageFile *REG_EXPAND_SZ *C:\\Program Files\\osfleet\\osagent.exe' || fail "EventMessageFile: $reg"
has "$reg" 'CategoryMessageFile *REG_EXPAND_SZ *C:\\Program Files\\osfleet\\osagent.exe' || fail "CategoryMessageFile: $reg"
has "$reg" 'TypesSupported *REG_DWORD *0x7' || fail "TypesSupported: $reg"
has "$reg" 'CategoryCount *REG_DWORD *0x3' || fail "CategoryCount: $reg"

step "the service's start is an event under the source osagent (100)"
w sc start osagent >/dev/null
wait_for 60 "osagent's port file" test -s "$WORK/port"
wait_for 30 "the start event in Wine's trace" traced "serves win01 (front_end) on 127.0.0.1:0"
traced 'RegisterEventSourceW ((null),L"osagent")' || fail "no RegisterEventSourceW for osagent"
traced "$(event_id 4 1 100)" || fail "no information event 100 in category 1"
has "$(grep -F 'serves win01' "$TRACE")" -F "trace:eventlog:ReportEventW L\"osagent " ||
  fail "the start text is not an information event"

step "an audited call is an event (300) with its audit line"
PORT=$(tr -d '\r\n' <"$WORK/port")
one_server_inventory win01 "$PORT" it-operator
"$OSCTL" --inventory "$WORK/inventory.yaml" --timeout 60s endpoints confirm </dev/null \
  >"$WORK/confirm.txt" 2>&1 || true  # nothing pending: refused, and audited all the same
wait_for 30 "the audit event in Wine's trace" traced '\"rpc\":\"Endpoints.Confirm\"'
traced "$(event_id 4 3 300)" || fail "no information event 300 in category 3"
has "$(grep -F '\"rpc\":\"Endpoints.Confirm\"' "$TRACE")" '\\"identity\\":\\"it-operator\\"' ||
  fail "the audit event lacks the caller: $(grep -F 'Endpoints.Confirm' "$TRACE")"

step "the SCM's stop is an event (101)"
w sc stop osagent >/dev/null
wait_for 30 "osagent STOPPED" is_state osagent STOPPED
wait_for 30 "the stop event in Wine's trace" traced "$(event_id 4 1 101)"
traced 'L"exit code 0"' || fail "the stop event's text"

step "a start on a broken agent.yaml: the error (201) and the failure (102)"
agent_yaml front_endx
w sc start osagent >/dev/null || true
wait_for 60 "the failure event in Wine's trace" traced "$(event_id 1 1 102)"
traced "$(event_id 1 2 201)" || fail "no error event 201 in category 2"
has "$(grep -F 'err:eventlog' "$TRACE")" 'front_endx' || fail "the error event does not name the bad role"
has "$(grep -F 'err:eventlog' "$TRACE")" -F 'exit code 2; the errors logged before this event say why' ||
  fail "the failure event's text"
agent_yaml front_end

step "osagent service uninstall removes the source"
out=$(w "$AGENT" service uninstall) || fail "service uninstall: $out"
has "$out" 'removed the event source osagent' || fail "service uninstall said: $out"
w reg query "$KEY" >/dev/null 2>&1 && fail "$KEY is still there after uninstall"

if [ -n "$MSI" ]; then
  step "the MSI registers the same source; removing the MSI removes it"
  cp "$MSI" "$C/osfleet-agent.msi"
  out=$(w msiexec /i 'C:\osfleet-agent.msi' /qn) || fail "msiexec /i: $out"
  reg=$(w reg query "$KEY") || fail "the MSI did not make $KEY: $reg"
  has "$reg" 'EventMessageFile *REG_[A-Z_]*SZ *C:\\Program Files\\osfleet\\osagent.exe' || fail "EventMessageFile: $reg"
  has "$reg" 'TypesSupported *REG_DWORD *0x7' || fail "TypesSupported: $reg"
  has "$reg" 'CategoryCount *REG_DWORD *0x3' || fail "CategoryCount: $reg"
  out=$(w msiexec /x 'C:\osfleet-agent.msi' /qn) || fail "msiexec /x: $out"
  if reg=$(w reg query "$KEY" 2>&1) && has "$reg" 'EventMessageFile'; then
    fail "$KEY still has its values after the MSI was removed: $reg"
  fi
fi
echo "PASS: osagent.exe's events in the Event Log under Wine (Wine's trace), the source registered and removed"
