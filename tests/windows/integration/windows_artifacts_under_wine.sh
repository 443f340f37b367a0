#!/usr/bin/env bash
# Issue 29's Windows checks once build-windows/ exists (./run windows): the artifacts'
# signatures (signed_artifacts.sh) and osagent.exe's events in the Event Log under Wine
# (event_log_under_wine.sh).
#   windows_artifacts_under_wine.sh BUILD_WINDOWS_DIR OSCTL FIXTURE_HSCONF
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 BUILD_WINDOWS_DIR OSCTL FIXTURE_HSCONF" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
build=$1
shopt -s nullglob
msis=("$build"/osfleet-*.msi)
[ ${#msis[@]} -gt 0 ] || { echo "FAIL: no MSI in $build" >&2; exit 1; }
agent_msi=("$build"/osfleet-agent-*.msi)
"$HERE/signed_artifacts.sh" "$build/bin/osagent.exe" "$build/bin/osctl.exe" "${msis[@]}"
"$HERE/event_log_under_wine.sh" "$build/bin/osagent.exe" "$2" "$3" "${agent_msi[0]}"
