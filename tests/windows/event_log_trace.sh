#!/usr/bin/env bash
# Wine keeps no event log: its ReportEventW only traces what it is given. This runs the
# platform tests' EventLog.ReportsEachTypeUnderItsSource (tests/windows/platform/
# event_log_test.cc) with WINEDEBUG=+eventlog and checks, in Wine 8's trace format
# (dlls/advapi32/eventlog.c), that each event reached ReportEventW with our source, type,
# category and id (the advapi fixme line: handle, type, category, id, ...) and its text as
# UTF-16 (trace/warn/err:eventlog, by type).
#   tests/windows/event_log_trace.sh windows_platform_tests.exe
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 windows_platform_tests.exe" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
trace=$(mktemp "${TMPDIR:-/tmp}/osfleet-eventlog-trace.XXXXXX")
trap 'rm -f "$trace"' EXIT

set +e
WINEDEBUG=+eventlog "$HERE/run-under-wine.sh" "$1" --gtest_color=no \
  --gtest_filter=EventLog.ReportsEachTypeUnderItsSource >"$trace" 2>&1
status=$?
set -e
failures=0
expect() {  # expect WHAT LITERAL_LINE_PART
  if grep -qF -- "$2" "$trace"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: no trace line with: $2" >&2
    failures=$((failures + 1))
  fi
}
[ "$status" = 0 ] && echo "ok: the test passed under Wine" || {
  echo "FAIL: the test exited $status" >&2
  failures=$((failures + 1))
}
expect "the source" 'RegisterEventSourceW ((null),L"osfleet-trace-test")'
# ReportEventW (handle, type, category, id, ...): information 4, warning 2, error 1.
expect "information, category 1, id 100" ',0x0004,0x0001,0x00000064,'
expect "its text in UTF-16" 'trace:eventlog:ReportEventW L"osfleet trace: started (information) \00e9t\00e9"'
expect "warning, category 2, id 200" ',0x0002,0x0002,0x000000c8,'
expect "its text" 'warn:eventlog:ReportEventW L"osfleet trace: a warning"'
expect "error, category 2, id 201" ',0x0001,0x0002,0x000000c9,'
expect "its text" 'err:eventlog:ReportEventW L"osfleet trace: an error"'
expect "information, category 3, id 300" ',0x0004,0x0003,0x0000012c,'
expect "its text" 'trace:eventlog:ReportEventW L"osfleet trace: {\"rpc\":\"Endpoints.Set\"}"'
expect "the source let go" 'DeregisterEventSource'
if [ "$failures" != 0 ]; then
  echo "--- the trace:" >&2
  grep -E "eventlog|advapi|FAILED|Failure" "$trace" | cut -c1-300 >&2 || true
  exit 1
fi
