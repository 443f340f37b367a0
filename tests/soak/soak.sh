#!/usr/bin/env bash
# Soak: never a split fleet. RUNS rollouts forward and back on a 10-server simulated farm
# (1 DC + 9 FE, real agents, mTLS) with random faults: kill -9 of an agent (restarted),
# kill -9 of osctl (then `rollout rollback` or `resume`), SIGSTOP of osctl past its 2s
# lease, a refused restart. Every run must end with every server.hsconf the same file.
# Builds nothing: uses build/bin (build it once with
#   cmake --build build --target osfleet_soak_tests osagent osctl osfleet-fake-sqlserver osfleet-simulated-service).
# Usage: tests/soak/soak.sh [RUNS] [MINUTES]   (MINUTES: stop starting runs after that)
# Environment: SOAK_SEED (repeat a run), SOAK_RESULTS (default soak-results.txt),
# SOAK_FAILURE_DIR (default /tmp; a mixed run is captured in soak-failure-N/ there).
# Not part of CI or ctest.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/bin}
[ -x "$BIN/osfleet_soak_tests" ] || { echo "missing $BIN/osfleet_soak_tests (see the header)" >&2; exit 2; }
export SOAK_RUNS=${1:-20} SOAK_MINUTES=${2:-${SOAK_MINUTES:-0}}
export SOAK_RESULTS=${SOAK_RESULTS:-$PWD/soak-results.txt}
exec "$BIN/osfleet_soak_tests" --gtest_also_run_disabled_tests --gtest_filter='Soak.*'
