#!/usr/bin/env bash
# Runs a Windows program under Wine in a fresh WINEPREFIX, removed afterwards; exits with
# the program's exit code.
#   tests/windows/run-under-wine.sh PROGRAM.exe [ARGS...]
# OSFLEET_KEEP_WINEPREFIX=1 keeps the prefix (its path is printed) for a look afterwards.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PROGRAM.exe [ARGS...]" >&2; exit 2; }
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/osfleet-wine.XXXXXX")
export WINEPREFIX WINEDEBUG=${WINEDEBUG:--all} WINEARCH=win64
# No Mono or Gecko installer dialogs in a fresh prefix.
export WINEDLLOVERRIDES="mscoree,mshtml=${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
cleanup() {
  wineserver -k >/dev/null 2>&1 || true
  wineserver -w >/dev/null 2>&1 || true
  if [ "${OSFLEET_KEEP_WINEPREFIX:-0}" = 1 ]; then
    echo "WINEPREFIX kept: $WINEPREFIX" >&2
  else
    rm -rf "$WINEPREFIX"
  fi
}
trap cleanup EXIT
# A persistent wineserver for this prefix while the program runs (DESIGN.md §10: without
# -p every short-lived wine process pays the server's start-up again).
wineserver -p >/dev/null 2>&1 || true
wineboot -i >/dev/null 2>&1 || true
set +e
wine "$@"
status=$?
set -e
exit "$status"
