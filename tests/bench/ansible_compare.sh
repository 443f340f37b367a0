#!/usr/bin/env bash
# The same change — the Platform, Log and Session <Server> of N servers' server.hsconf —
# done by osctl against N real agents (mTLS), and by Ansible's community.general.xml with
# ansible_connection=local and forks=50 (DESIGN §8). Needs Ansible (Debian: ansible,
# python3-lxml); skips it with a note when missing. Usage: tests/bench/ansible_compare.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-50}
ROOT=$PWD
WORK=$(mktemp -d /tmp/osfleet-ansible-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT

osctl_time() {
  bash tests/bench/fleet_bench.sh "$N" 3 | awk -F'|' '/endpoints set/ {gsub(/[ s]/, "", $3); print $3}'
}

ansible_time() {
  mkdir -p "$WORK/hosts"
  {
    echo "[farm]"
    for i in $(seq 1 "$N"); do
      cp tests/fixtures/hsconf/sqlserver-dc.hsconf "$WORK/hosts/h$i.hsconf"
      echo "h$i ansible_connection=local hsconf=$WORK/hosts/h$i.hsconf"
    done
  } >"$WORK/inventory.ini"
  cat >"$WORK/change.yml" <<'YAML'
- hosts: farm
  gather_facts: false
  tasks:
    - name: move the three databases
      community.general.xml:
        path: "{{ hsconf }}"
        xpath: "/EnvironmentConfiguration/{{ item }}/Server"
        value: "tcp:sqlnew.corp.example.com,1433"
      loop: [PlatformDatabaseConfiguration, LoggingDatabaseConfiguration, SessionDatabaseConfiguration]
YAML
  local t0 t1
  t0=$(date +%s%N)
  ANSIBLE_FORKS=50 ANSIBLE_HOST_KEY_CHECKING=False ansible-playbook -i "$WORK/inventory.ini" \
    "$WORK/change.yml" >"$WORK/ansible.log" 2>&1
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b-a)/1e9}'
  # What the usual tool does to the file: BOM, CRLF, declaration.
  file "$WORK/hosts/h1.hsconf" >&2
}

o=$(osctl_time)
if command -v ansible-playbook >/dev/null; then
  a=$(ansible_time)
  echo "| same change on $N servers | osctl ${o} s | Ansible ${a} s | $(awk -v a="$a" -v o="$o" 'BEGIN {printf "%.0f", a/o}')× |"
else
  echo "| same change on $N servers | osctl ${o} s | Ansible not installed | |"
fi
