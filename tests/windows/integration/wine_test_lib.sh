# Sourced by the Wine integration tests: a work folder with a fresh WINEPREFIX (removed
# afterwards unless OSFLEET_KEEP_WINEPREFIX=1), the fleet PKI, a Windows-style
# server.hsconf, and the small helpers every script uses.
#   . "$(dirname "$0")/wine_test_lib.sh"; wine_test_begin NAME
# After wine_test_begin: WORK, WINEPREFIX, C (its drive_c), PIDS (killed at exit; add
# background processes to it) and FAIL_LOGS (files whose tails `fail` prints).
. "$(dirname "${BASH_SOURCE[0]}")/../wine_prefix.sh"

PIDS=()
FAIL_LOGS=()

wine_test_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_wine_prefix
  if [ "${OSFLEET_KEEP_WINEPREFIX:-0}" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi
}

wine_test_begin() {  # wine_test_begin NAME
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/osfleet-wine-$1.XXXXXX")
  chmod 755 "$WORK"
  trap wine_test_cleanup EXIT
  start_wine_prefix "$WORK/prefix"
  C=$WINEPREFIX/drive_c
}

step() { echo "== $*"; }

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "${FAIL_LOGS[@]}"; do
    [ -f "$f" ] && { echo "-- $f" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}

# A wine command's output without CR. Wine's own processes keep inherited descriptors:
# no pipe of ours reaches them.
w() { wine "$@" </dev/null 2>&1 | tr -d '\r'; }
# has TEXT [GREP-OPTION] PATTERN: TEXT contains PATTERN. Not `echo | grep -q`: under
# pipefail, grep -q ending at the first match can kill the writer with SIGPIPE (exit 141)
# and fail a check that matched.
has() { grep -q "${@:2}" <<<"$1"; }

poll() {  # poll SECONDS COMMAND...: 0 once COMMAND succeeds, 1 if it does not in time
  local seconds=$1
  shift
  for _ in $(seq 1 $((seconds * 10))); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  poll "$seconds" "$@" || fail "$what not within ${seconds} s"
}

# A service's state as Wine's `sc query` prints it: RUNNING, STOPPED, ...
state_of() { w sc query "$1" | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }

# A Unix path as Wine names it: Z:\...
winpath() { echo "Z:${1//\//\\}"; }

make_pki() {  # make_pki OSCTL OPERATOR AGENT...: $WORK/pki with a CA and their certificates
  local osctl=$1 operator=$2
  shift 2
  "$osctl" pki init --dir "$WORK/pki" >/dev/null
  local name
  for name in "$@"; do "$osctl" pki issue agent "$name" --dir "$WORK/pki" >/dev/null; done
  "$osctl" pki issue operator "$operator" --role operator --dir "$WORK/pki" >/dev/null
}

# The Platform Server and ProgramData folders under drive_c, mode 0755 (Wine derives a
# DACL from the mode: a folder others may write is refused), and NAME's certificate and
# key in C:\ProgramData\osfleet\tls (the key 0600: private to the agent's account).
# Sets PLATFORM and DATA.
windows_server_folders() {  # windows_server_folders NAME
  PLATFORM="$C/Program Files/OutSystems/Platform Server"
  DATA=$C/ProgramData/osfleet
  mkdir -p "$PLATFORM" "$DATA/tls"
  chmod 755 "$C" "$C/Program Files" "$C/Program Files/OutSystems" "$PLATFORM" "$C/ProgramData" \
    "$DATA"
  install -m 0600 "$WORK/pki/$1.key" "$DATA/tls/$1.key"
  install -m 0644 "$WORK/pki/$1.pem" "$WORK/pki/ca.pem" "$DATA/tls/"
}

# The file as Windows tools write it: a UTF-8 BOM and CRLF line ends.
bom_crlf() { printf '\xef\xbb\xbf'; sed 's/$/\r/' "$1"; }

# The first database address in an hsconf file.
first_address() { grep -o -m1 '<Server[^>]*>[^<]*' "$1" | sed -n '1s/.*>//p'; }

# The agent.yaml lines for NAME's certificates in C:\ProgramData\osfleet\tls.
windows_tls_line() {
  local t='C:\ProgramData\osfleet\tls'
  echo "tls: {cert: '$t\\$1.pem', key: '$t\\$1.key', ca: '$t\\ca.pem'}"
}

# An osctl inventory ($WORK/inventory.yaml) of one front end at 127.0.0.1:PORT, with the
# operator's certificates from make_pki.
one_server_inventory() {  # one_server_inventory NAME PORT OPERATOR
  cat >"$WORK/inventory.yaml" <<YAML
defaults:
  tls: {ca: $WORK/pki/ca.pem, cert: $WORK/pki/$3.pem, key: $WORK/pki/$3.key}
servers:
  - {name: $1, address: "127.0.0.1:$2", role: front_end}
YAML
}
