#!/usr/bin/env bash
# Runs a Windows program under Wine in a fresh WINEPREFIX, removed afterwards; exits with
# the program's exit code.
#   tests/windows/run-under-wine.sh PROGRAM.exe [ARGS...]
# OSFLEET_KEEP_WINEPREFIX=1 keeps the prefix (its path is printed) for a look afterwards.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PROGRAM.exe [ARGS...]" >&2; exit 2; }
. "$(dirname "$0")/wine_prefix.sh"
start_wine_prefix "$(mktemp -d "${TMPDIR:-/tmp}/osfleet-wine.XXXXXX")"
cleanup() {
  stop_wine_prefix
  if [ "${OSFLEET_KEEP_WINEPREFIX:-0}" = 1 ]; then
    echo "WINEPREFIX kept: $WINEPREFIX" >&2
  else
    rm -rf "$WINEPREFIX"
  fi
}
trap cleanup EXIT
set +e
wine "$@"
status=$?
set -e
exit "$status"
