# Sourced by the Wine test scripts: a fresh WINEPREFIX, settled, with a persistent
# wineserver.
#   . tests/windows/wine_prefix.sh; start_wine_prefix DIR; ...; stop_wine_prefix
# DESIGN.md §10: without `wineserver -p` services exit ~3 s after the last normal Wine
# process and every short-lived wine process pays the server's start-up again. The prefix
# must settle first (wineboot -i, then wait for that wineserver to end): right after
# wineboot the Service Control Manager is still starting, and a service created then is
# lost ("Service does not exist", "Service database locked").
start_wine_prefix() {
  export WINEPREFIX=$1 WINEDEBUG=${WINEDEBUG:--all} WINEARCH=win64
  # No Mono or Gecko installer dialogs in a fresh prefix.
  export WINEDLLOVERRIDES="mscoree,mshtml=${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
  mkdir -p "$WINEPREFIX"
  chmod 755 "$WINEPREFIX"
  # Wine's own processes keep inherited descriptors: never hand them a pipe of ours.
  { wineboot -i; wineserver -w; } </dev/null >/dev/null 2>&1 || true
  wineserver -p </dev/null >/dev/null 2>&1 || true
  # Wine's system processes (services.exe, winedevice.exe, ...) start with the first wine
  # process and live on with the persistent server: start them here, away from any pipe a
  # caller reads to its end (`$(wine ...)` would wait for them forever). Services started
  # by the SCM write their stderr (Wine's WINEDEBUG traces) to services.exe's:
  # OSFLEET_WINE_SERVICES_LOG=FILE keeps it.
  wineboot </dev/null >/dev/null 2>>"${OSFLEET_WINE_SERVICES_LOG:-/dev/null}" || true
}

stop_wine_prefix() {
  wineserver -k </dev/null >/dev/null 2>&1 || true
  wineserver -w </dev/null >/dev/null 2>&1 || true
}
