#!/usr/bin/env bash
# Starts N real agents on loopback with mTLS and times whole osctl processes:
# `endpoints get` and `endpoints set` (plan + CAS set with fsync and backup, after the
# identity check) across the fleet, `probe` of a new address with and without the identity
# verdict (one fake SQL Server answering under two addresses: every agent probes the
# current address twice and the new one once, each with a TLS handshake inside PRELOGIN),
# plus the idle RSS of an agent. Usage: tests/bench/fleet_bench.sh [N] [RUNS]
# Writes a Markdown table to stdout; docs/BENCHMARKS.md holds the recorded results.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100}
RUNS=${2:-5}
BIN=build/bin
WORK=$(mktemp -d /tmp/osfleet-bench-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

make_pki() {
  local sans="DNS:agent001"
  for i in $(seq 2 "$N"); do sans+=",DNS:agent$(printf %03d "$i")"; done
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
    -out ca.pem -days 1 -subj /CN=bench-ca 2>/dev/null
  for who in agent operator; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $who.key \
      -out $who.csr -subj "/CN=$who/OU=osfleet:$who" 2>/dev/null
  done
  printf 'subjectAltName=%s\n' "$sans" > agent.ext
  openssl x509 -req -in agent.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out agent.pem \
    -days 1 -extfile agent.ext 2>/dev/null
  openssl x509 -req -in operator.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out operator.pem -days 1 2>/dev/null
  cd - >/dev/null
}

# One SQL Server instance answering on 127.0.0.1 and 127.0.0.2 (same port): the agents'
# files name the first, the probes ask about the second.
start_database() {
  $BIN/osfleet-fake-sqlserver --listen-port-file "$WORK/db-port" --listen 127.0.0.1 \
    --listen 127.0.0.2 2>>"$WORK/db.log" &
  PIDS+=($!)
  until [ -s "$WORK/db-port" ]; do sleep 0.01; done
  DB_PORT=$(cat "$WORK/db-port")
}

start_agents() {
  for i in $(seq 1 "$N"); do
    local name d role=front_end
    name=agent$(printf %03d "$i"); d=$WORK/$name
    [ "$i" -eq 1 ] && role=deployment_controller
    mkdir -p "$d"
    sed "s/SQLPROD01.corp.example.com</127.0.0.1,$DB_PORT</" tests/fixtures/hsconf/sqlserver-dc.hsconf \
      >"$d/server.hsconf"
    $BIN/osagent --name "$name" --role $role --listen 127.0.0.1:0 --port-file "$d/port" \
      --hsconf "$d/server.hsconf" --state-dir "$d/state" --log-level warn \
      --tls-cert "$WORK/agent.pem" --tls-key "$WORK/agent.key" --tls-ca "$WORK/ca.pem" \
      2>>"$d/log" &
    PIDS+=($!)
  done
  {
    printf 'defaults:\n  tls: {ca: ca.pem, cert: operator.pem, key: operator.key}\nservers:\n'
    for i in $(seq 1 "$N"); do
      local name=agent$(printf %03d "$i") role=front_end
      [ "$i" -eq 1 ] && role=deployment_controller
      until [ -s "$WORK/$name/port" ]; do sleep 0.01; done
      printf '  - {name: %s, address: "127.0.0.1:%s", role: %s}\n' "$name" "$(cat "$WORK/$name/port")" $role
    done
  } > "$WORK/inventory.yaml"
}

# Median wall time in seconds of RUNS runs of the command.
median() {
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    times+=("$(( (t1 - t0) / 1000000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1000}'
}

make_pki
start_database
start_agents
OSCTL=($BIN/osctl --inventory "$WORK/inventory.yaml")
"${OSCTL[@]}" fleet status | tail -1 >&2
get=$(median "${OSCTL[@]}" endpoints get)
probe=$(median "${OSCTL[@]}" probe --platform "127.0.0.2,$DB_PORT" --no-identity)
probe_identity=$(median "${OSCTL[@]}" probe --platform "127.0.0.2,$DB_PORT")
i=0
# Each set moves the Platform database to the instance's other name (identity: same).
set_once() {
  i=$((i+1))
  "${OSCTL[@]}" endpoints set --platform "127.0.0.$((1 + i % 2)),$DB_PORT" >/dev/null
}
set=$(median set_once)
sleep 1  # let the agents go idle before reading their memory
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/"${PIDS[1]}"/status)
cat <<MD
| what ($N agents, mTLS, loopback, $(nproc) cores) | median of $RUNS |
|---|---|
| \`osctl endpoints get\`, whole process | ${get} s |
| \`osctl endpoints set\` (identity check, plan + CAS set, backup, fsync), whole process | ${set} s |
| \`osctl probe --platform NEW --no-identity\`, whole process | ${probe} s |
| \`osctl probe --platform NEW\` (identity verdict), whole process | ${probe_identity} s |
| idle osagent RSS | $((rss_kb / 1024)) MB |
MD
