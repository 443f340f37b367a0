#!/usr/bin/env bash
# osctl's MSI source (packaging/windows/osfleet-osctl.wxs + osctl-msi-path.sh) checked
# without Windows or the dependency prefix: both scopes build with wixl, the tables say
# what the install does (every .proto and doc of the tree, the PATH row and its actions,
# per-machine vs per-user), and a wrong scope is refused. osctl.exe is a stand-in here;
# tests/windows/integration/osctl_msi_under_wine.sh installs the real one under Wine.
#   osctl_msi_tables.sh SOURCE_ROOT WORK_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SOURCE_ROOT WORK_DIR" >&2; exit 2; }
ROOT=$(realpath "$1") WORK=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK/stage/protos" "$WORK/stage/docs"
cd "$WORK/stage"
printf 'MZ stand-in' >osctl.exe
cp "$ROOT"/protos/osfleet/v1/*.proto protos/
cp "$ROOT"/docs/*.md docs/
cp "$ROOT/README.md" .
build() {  # build SCOPE: $WORK/SCOPE.msi
  wixl -a x64 -D Scope="$1" -D Version=1.2.3 -D OsctlExe=osctl.exe -D ProtosDir=protos -D DocsDir=. \
    -o "$WORK/$1.msi" "$ROOT/packaging/windows/osfleet-osctl.wxs" &&
    "$ROOT/packaging/windows/osctl-msi-path.sh" "$WORK/$1.msi" "$1"
}
table() { msiinfo export "$WORK/$1.msi" "$2" | tr -d '\r'; }

for scope in perMachine perUser; do
  build $scope 2>"$WORK/$scope.err" || fail "wixl ($scope): $(cat "$WORK/$scope.err")"
  files=$(table $scope File)
  for f in osctl.exe README.md "$ROOT"/docs/*.md "$ROOT"/protos/osfleet/v1/*.proto; do
    name=$(basename "$f")
    grep -q -P "^[^\t]+\t[^\t]+\t$name\t" <<<"$files" || fail "$scope: the MSI does not install $name"
  done
  env_row=$(table $scope Environment | tail -n 1)
  want='=-PATH'
  [ $scope = perMachine ] && want='=-*PATH'
  [ "$env_row" = "OsctlPath	$want	[~];[INSTALLDIR]	Osctl" ] || fail "$scope: PATH row: $env_row"
  sequence=$(table $scope InstallExecuteSequence)
  for action in WriteEnvironmentStrings RemoveEnvironmentStrings InstallFiles RemoveExistingProducts; do
    grep -q "^$action	" <<<"$sequence" || fail "$scope: no $action in InstallExecuteSequence"
  done
  grep -q '^UpgradeCode	{E2A47C19-3F58-4B6D-8E01-7C9B2D4F6A13}$' <<<"$(table $scope Property)" ||
    fail "$scope: not osctl's UpgradeCode: $(table $scope Property)"
done
grep -q '^ALLUSERS	1$' <<<"$(table perMachine Property)" || fail "perMachine: ALLUSERS is not 1"
grep -q '^ALLUSERS' <<<"$(table perUser Property)" && fail "perUser: ALLUSERS is set"
grep -q '^INSTALLDIR	OsfleetDir	osctl$' <<<"$(table perUser Directory)" || fail "perUser: INSTALLDIR"
grep -q '^ProgramsDir	LocalAppDataFolder	Programs$' <<<"$(table perUser Directory)" ||
  fail "perUser: not under %LOCALAPPDATA%\\Programs: $(table perUser Directory)"
grep -q '^ProgramsDir	ProgramFiles64Folder	\.$' <<<"$(table perMachine Directory)" ||
  fail "perMachine: not under Program Files: $(table perMachine Directory)"
# Word Count 10: compressed, and no elevation needed (per user); 2: elevated (per machine).
msiinfo suminfo "$WORK/perUser.msi" | grep -q '^Source: 10 ' || fail "perUser asks for elevation"
msiinfo suminfo "$WORK/perMachine.msi" | grep -q '^Source: 2 ' || fail "perMachine: Word Count"
# Not the agent's product: the two must not upgrade each other away.
agent=$(grep -o 'UpgradeCode="[^"]*"' "$ROOT/packaging/windows/osfleet-agent.wxs")
[ "$agent" != 'UpgradeCode="E2A47C19-3F58-4B6D-8E01-7C9B2D4F6A13"' ] || fail "the agent's UpgradeCode"

out=$(build allUsers 2>&1) && fail "Scope=allUsers was accepted"
grep -q 'Scope must be perUser or perMachine' <<<"$out" || fail "Scope=allUsers: $out"
out=$("$ROOT/packaging/windows/osctl-msi-path.sh" "$WORK/perUser.msi" everyone 2>&1) &&
  fail "osctl-msi-path.sh took the scope 'everyone'"
grep -q "not 'everyone'" <<<"$out" || fail "osctl-msi-path.sh: $out"
echo "PASS: osctl's MSI tables (per machine and per user)"
