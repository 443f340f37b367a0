#!/usr/bin/env bash
# The agent's MSI installed unattended under Wine, as SCCM or Intune would:
#   msiexec /i osfleet-agent.msi /qn NAME=fe01 ROLE=front_end TLSDIR=C:\osfleet\pki ...
# - a bad ROLE fails the install, the MSI log names it (the agent's own message), and
#   nothing stays installed; FIREWALL=yes fails the MSI's launch condition;
# - good properties: `osagent setup` writes agent.yaml, `osagent service install` registers
#   the service as SERVICEACCOUNT (NT SERVICE\osagent) with its recovery actions (or the log
#   says Wine's SCM does not take them), the service runs with that config and osctl reaches
#   it over mTLS;
# - an upgrade (the same MSI built again as a higher version, no properties) keeps agent.yaml
#   ("kept" in its log) and registers the service again with the remembered account;
# - FIREWALL=1 reaches the Windows Firewall's COM API: Wine 8's INetFwRules::Add answers
#   E_NOTIMPL, so the install fails naming that call and rolls back the service (a Wine
#   that adds the rule passes too, when its log says so).
#   msi_unattended_under_wine.sh MSI MSI_STAGE WXS OSCTL FIXTURE_HSCONF
# MSI_STAGE: the folder wixl packed the MSI from (build-windows/packaging/msi-stage).
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 MSI MSI_STAGE WXS OSCTL FIXTURE_HSCONF" >&2; exit 2; }
MSI=$(realpath "$1") STAGE=$(realpath "$2") WXS=$(realpath "$3") OSCTL=$(realpath "$4")
FIXTURE=$(realpath "$5")
. "$(dirname "$0")/wine_test_lib.sh"
wine_test_begin msi-unattended
DATA=$C/ProgramData/osfleet
YAML=$DATA/agent.yaml
PF="$C/Program Files/osfleet"
LOG=$DATA/logs/osagent.log
FAIL_LOGS=("$LOG")

# msi LOGNAME ARGS...: msiexec with a verbose log in $WORK/LOGNAME.log (UTF-8, no CR);
# returns msiexec's exit code.
msi() {
  local name=$1 rc=0
  shift
  wine msiexec "$@" /l*v "C:\\$name.log" </dev/null >/dev/null 2>&1 || rc=$?
  tr -d '\r' <"$C/$name.log" >"$WORK/$name.log"
  FAIL_LOGS=("$LOG" "$WORK/$name.log")
  return $rc
}
service_key() { w reg query 'HKLM\System\CurrentControlSet\Services\osagent'; }
service_registered() { has "$(service_key)" 'ImagePath'; }
# The port of the latest "serving on port N" in the agent's log.
served_port() { sed -n 's/.* serving on port \([0-9]*\) .*/\1/p' "$LOG" | tail -n 1; }
# More than N "serving on port" lines in the agent's log (polled: evaluated each time).
served_more_than() { [ -f "$LOG" ] && [ "$(grep -c 'serving on port' "$LOG")" -gt "$1" ]; }
reaches() {  # reaches PORT: osctl endpoints get over mTLS shows the fixture's address
  one_server_inventory fe01 "$1" it-operator
  "$OSCTL" --inventory "$WORK/inventory.yaml" --timeout 60s -o json endpoints get </dev/null \
    >"$WORK/get.json" 2>&1 || fail "endpoints get: $(cat "$WORK/get.json")"
  grep -q "\"$OLD\"" "$WORK/get.json" || fail "endpoints get: $(cat "$WORK/get.json")"
}

step "a fresh server: the Platform Server's server.hsconf, the agent's certificates in C:\\osfleet\\pki"
make_pki "$OSCTL" it-operator fe01
PLATFORM="$C/Program Files/OutSystems/Platform Server"
mkdir -p "$PLATFORM" "$C/osfleet/pki" "$C/ProgramData"
chmod 755 "$C" "$C/Program Files" "$C/Program Files/OutSystems" "$PLATFORM" "$C/ProgramData" \
  "$C/osfleet" "$C/osfleet/pki"
install -m 0600 "$WORK/pki/fe01.key" "$C/osfleet/pki/"
install -m 0644 "$WORK/pki/fe01.pem" "$WORK/pki/ca.pem" "$C/osfleet/pki/"
bom_crlf "$FIXTURE" >"$PLATFORM/server.hsconf"
OLD=$(first_address "$FIXTURE")
cp "$MSI" "$C/osfleet-agent.msi"
PKI='C:\osfleet\pki'

step "ROLE=frontend: the install fails, the MSI log gives the agent's reason, nothing stays"
if msi bad-role /i 'C:\osfleet-agent.msi' /qn NAME=fe01 ROLE=frontend "TLSDIR=$PKI"; then
  fail "msiexec /i with ROLE=frontend succeeded"
fi
grep -q "osfleet: osagent: setup: C:\\\\ProgramData\\\\osfleet\\\\agent.yaml not written: --role 'frontend' is not one of deployment_controller, front_end" \
  "$WORK/bad-role.log" || fail "the MSI log does not give the reason"
[ ! -e "$YAML" ] || fail "a refused install wrote agent.yaml"
[ ! -e "$PF/osagent.exe" ] || fail "a refused install left osagent.exe"
service_registered && fail "a refused install left the service: $(service_key)"

step "FIREWALL=yes: refused by the MSI's launch condition before anything is installed"
if msi bad-firewall /i 'C:\osfleet-agent.msi' /qn NAME=fe01 ROLE=front_end "TLSDIR=$PKI" FIREWALL=yes; then
  fail "msiexec /i with FIREWALL=yes succeeded"
fi
grep -q 'LaunchConditions. Return value [03]' "$WORK/bad-firewall.log" ||
  fail "FIREWALL=yes did not fail at LaunchConditions"
# Windows Installer logs the condition's message; Wine's msiexec does not.
grep -q 'FIREWALL=yes is neither 1' "$WORK/bad-firewall.log" ||
  echo "note: Wine's msiexec leaves the launch condition's message out of the log"
[ ! -e "$PF/osagent.exe" ] || fail "a refused install left osagent.exe"

step "NAME ROLE LISTEN TLSDIR SERVICEACCOUNT: agent.yaml written, the service registered and running"
msi install /i 'C:\osfleet-agent.msi' /qn NAME=fe01 ROLE=front_end LISTEN=127.0.0.1:0 "TLSDIR=$PKI\\" \
  'SERVICEACCOUNT=NT SERVICE\osagent' || fail "msiexec /i: $(grep -a 'osfleet:' "$WORK/install.log")"
grep -q 'osfleet: wrote C:\\ProgramData\\osfleet\\agent.yaml' "$WORK/install.log" ||
  fail "no 'wrote' in the MSI log"
yaml=$(tr -d '\r' <"$YAML")
for line in 'name: fe01' 'role: front_end' 'listen: 127.0.0.1:0' 'cert: C:\osfleet\pki\fe01.pem' \
  'key: C:\osfleet\pki\fe01.key' 'ca: C:\osfleet\pki\ca.pem'; do
  has "$yaml" -F "$line" || fail "agent.yaml has no '$line': $yaml"
done
has "$yaml" 'hsconf' && fail "agent.yaml names hsconf (the registry default must stay): $yaml"
cp "$YAML" "$WORK/agent.yaml"
qc=$(service_key)
has "$qc" -E 'ObjectName +REG_SZ +NT SERVICE\\osagent$' || fail "not NT SERVICE\\osagent: $qc"
has "$qc" 'Start *REG_DWORD *0x2$' || fail "not an automatic start: $qc"
has "$qc" -E 'ImagePath +REG_SZ +"C:\\Program Files\\osfleet\\osagent.exe" service run --config C:\\ProgramData\\osfleet\\agent.yaml$' ||
  fail "the service's command line: $qc"
# Recovery actions: Windows keeps them in FailureActions; Wine's SCM refuses the call
# (ERROR_INVALID_LEVEL) and `service install` says so, into the MSI log.
if ! has "$qc" 'FailureActions'; then
  grep -q 'osfleet: warning: this Service Control Manager does not take recovery settings' \
    "$WORK/install.log" || fail "no recovery actions and no warning in the MSI log: $qc"
  echo "note: Wine's SCM takes no recovery actions; the MSI log says so"
fi
wait_for 60 "osagent RUNNING" is_state osagent RUNNING
wait_for 60 "the agent serving" served_more_than 0
reaches "$(served_port)"

step "an upgrade (the same files as a higher version, no properties): agent.yaml kept, same account"
(cd "$STAGE" && wixl -a x64 -D Version=99.0.0 -D AgentExe=osagent.exe -D ProtosDir=protos \
  -D ExampleConfig=agent.example.yaml -D ActionsDll=osfleet_msi_actions.dll \
  -o "$C/osfleet-agent-99.msi" "$WXS")
# As packaging/CMakeLists.txt does: the rollback bit wixl 0.101 cannot set.
msibuild "$C/osfleet-agent-99.msi" -q "UPDATE \`CustomAction\` SET \`Type\` = 3393 WHERE \`Action\` = 'OsagentServiceUndo' OR \`Action\` = 'OsagentFirewallUndo'"
serving_before=$(grep -c 'serving on port' "$LOG")
msi upgrade /i 'C:\osfleet-agent-99.msi' /qn || fail "the upgrade: $(grep -a 'osfleet:' "$WORK/upgrade.log")"
grep -q 'osfleet: kept C:\\ProgramData\\osfleet\\agent.yaml: an agent.yaml is already there' \
  "$WORK/upgrade.log" || fail "the upgrade's log does not say it kept agent.yaml"
cmp -s "$WORK/agent.yaml" "$YAML" || fail "the upgrade changed agent.yaml"
has "$(w reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s)" 'DisplayVersion.*99\.0\.0' ||
  fail "version 99.0.0 is not the installed one"
has "$(service_key)" -E 'ObjectName +REG_SZ +NT SERVICE\\osagent$' ||
  fail "the upgrade lost the account: $(service_key)"
wait_for 60 "osagent RUNNING after the upgrade" is_state osagent RUNNING
wait_for 60 "the upgraded agent serving" served_more_than "$serving_before"
reaches "$(served_port)"

step "msiexec /x: the service and the files gone, agent.yaml kept"
msi remove /x 'C:\osfleet-agent-99.msi' /qn || fail "msiexec /x"
wait_for 30 "the service osagent removed" bash -c '! wine sc query osagent </dev/null 2>/dev/null | grep STATE >/dev/null'
cmp -s "$WORK/agent.yaml" "$YAML" || fail "uninstalling changed or removed agent.yaml"

step "FIREWALL=1 (a fixed LISTEN port): the Windows Firewall's COM API is called"
rm "$YAML"
if msi firewall /i 'C:\osfleet-agent.msi' /qn NAME=fe01 ROLE=front_end LISTEN=127.0.0.1:7443 \
  "TLSDIR=$PKI" FIREWALL=1; then
  grep -q "osfleet: firewall: inbound TCP 7443 allowed (rule 'osfleet agent (osagent)')" \
    "$WORK/firewall.log" || fail "FIREWALL=1 installed without adding the rule"
  echo "note: this Wine's firewall took the rule"
else
  grep -q "osfleet: osagent: firewall rule not added: INetFwRules::.* failed, HRESULT 0x80004001" \
    "$WORK/firewall.log" || fail "FIREWALL=1 failed for another reason: $(grep -a 'osfleet:' "$WORK/firewall.log")"
  grep -q 'osfleet: running "C:\\windows\\system32\\sc.exe" "delete" "osagent"' "$WORK/firewall.log" ||
    fail "the rollback did not remove the service: $(grep -a 'osfleet:' "$WORK/firewall.log")"
  service_registered && fail "the rolled-back install left the service: $(service_key)"
  echo "note: Wine's INetFwRules::Add is not implemented: the install failed on it and rolled back"
fi
echo "PASS: the osfleet agent MSI installed unattended under Wine"
