#!/usr/bin/env bash
# Times `osctl rollout apply` on N real agents on loopback, each supervising one simulated
# OutSystems service whose restart takes ~1 s (ready after 500 ms up + 500 ms
# min_healthy), batch 25%, canary 1, no Service Center phase. DESIGN §8 target:
# ≤ batches × 1 s + 2 s. Usage: tests/bench/rollout_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-20}
BIN=$PWD/build/bin
WORK=$(mktemp -d /tmp/osfleet-rollout-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "osfleet-simulated-service .*$WORK" 2>/dev/null || true
  wait 2>/dev/null; rm -rf "$WORK"
}
trap cleanup EXIT
wait_file() { until [ -s "$1" ]; do sleep 0.01; done; }

for db in old new; do
  mkdir -p "$WORK/$db"
  "$BIN/osfleet-fake-sqlserver" --listen-port-file "$WORK/$db/port" >/dev/null 2>&1 &
  PIDS+=($!)
  wait_file "$WORK/$db/port"
done
OLD="127.0.0.1,$(cat "$WORK/old/port")"; NEW="127.0.0.1,$(cat "$WORK/new/port")"

for i in $(seq 1 "$N"); do
  name=srv$(printf %03d "$i"); d=$WORK/$name; role=front_end
  [ "$i" -eq 1 ] && role=deployment_controller
  mkdir -p "$d"
  sed "s/SQLPROD01.corp.example.com</$OLD</" tests/fixtures/hsconf/sqlserver-dc.hsconf >"$d/server.hsconf"
  cat >"$d/agent.yaml" <<YAML
name: $name
role: $role
listen: 127.0.0.1:0
insecure: true
port_file: $d/port
hsconf: $d/server.hsconf
state_dir: $d/state
log_level: warn
start_services: true
min_healthy: 500ms
services:
  - name: OutSystems Deployment Service
    backend: process
    command: ["$BIN/osfleet-simulated-service", --name, svc, --hsconf, "$d/server.hsconf"]
    ready: {stays_up_ms: 500}
YAML
  "$BIN/osagent" --config "$d/agent.yaml" 2>"$d/log" &
  PIDS+=($!)
done
{
  echo "servers:"
  for i in $(seq 1 "$N"); do
    name=srv$(printf %03d "$i"); role=front_end
    [ "$i" -eq 1 ] && role=deployment_controller
    wait_file "$WORK/$name/port"
    echo "  - {name: $name, address: \"127.0.0.1:$(cat "$WORK/$name/port")\", role: $role}"
  done
} >"$WORK/inventory.yaml"
export OSFLEET_STATE_DIR=$WORK/osctl
OSCTL=("$BIN/osctl" --inventory "$WORK/inventory.yaml" --insecure)
until "${OSCTL[@]}" services list 2>/dev/null | grep -q "$N servers: $N ok" && \
      ! "${OSCTL[@]}" services list | grep -qE "starting|stopped|failed"; do sleep 0.2; done
t0=$(date +%s%N)
"${OSCTL[@]}" rollout apply --platform "$NEW" --log "$NEW" --session "$NEW" --batch 25% \
  --canary 1 --skip-service-center --yes >"$WORK/rollout.out"
t1=$(date +%s%N)
batches=$(grep -c "  batch  " "$WORK/rollout.out" || true)
restart=$(grep -oE "healthy after [0-9.]+s" "$WORK/rollout.out" | awk '{s+=$3} END {printf "%.2f", s/NR}')
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b-a)/1e9}')
cat <<MD
| what ($N agents, loopback, $(nproc) cores) | result |
|---|---|
| \`osctl rollout apply\` (batch 25%, canary 1), whole process | ${wall} s |
| batches | ${batches} |
| mean restart per server (stop + start + min_healthy) | ${restart} s |
| target: batches × 1 s + 2 s | $((batches + 2)) s |
MD
