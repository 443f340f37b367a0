#!/usr/bin/env bash
# osctl's two MSIs under Wine. Per machine: `msiexec /i /qn` puts osctl.exe, the .proto
# files and every doc under C:\Program Files\osfleet\osctl and that folder on the system
# PATH; per user: under %LOCALAPPDATA%\Programs\osfleet\osctl, on the user's PATH. Either
# way `cmd /c osctl --version` works from another folder; `msiexec /x /qn` removes the
# files and the PATH entry.
#   osctl_msi_under_wine.sh MACHINE_MSI USER_MSI DOCS_ROOT
# (DOCS_ROOT: the source tree, whose README.md and docs/*.md must all be installed.)
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MACHINE_MSI USER_MSI DOCS_ROOT" >&2; exit 2; }
MACHINE_MSI=$(realpath "$1") USER_MSI=$(realpath "$2") ROOT=$(realpath "$3")
. "$(dirname "$0")/wine_test_lib.sh"
wine_test_begin osctl-msi
VERSION=$(sed -n 's/^project(osfleet VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
SYSTEM_ENV='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
cp "$MACHINE_MSI" "$C/osctl-machine.msi"
cp "$USER_MSI" "$C/osctl-user.msi"
mkdir -p "$C/elsewhere"

# The installed files: osctl.exe, the protos, README.md and every docs/*.md of the tree.
check_files() {  # check_files FOLDER
  local f
  for f in osctl.exe README.md protos/osfleet/v1/endpoints.proto protos/osfleet/v1/types.proto; do
    [ -f "$1/$f" ] || fail "the MSI did not install $f in $1"
  done
  for f in "$ROOT"/docs/*.md; do
    cmp -s "$f" "$1/docs/$(basename "$f")" || fail "the MSI did not install docs/$(basename "$f")"
  done
}
# osctl by name, from a folder that is not its own, in a new console (cmd reads PATH anew).
osctl_on_path() {
  (cd "$C/elsewhere" && wine cmd /c osctl --version </dev/null 2>&1 | tr -d '\r')
}
path_of() {  # path_of KEY: its PATH value
  w reg query "$1" /v PATH | sed -n 's/^ *PATH *REG_[A-Z_]* *//p'
}

# Per user first: Wine's msiexec leaves the separator behind when it takes its part out of
# the system PATH ("…;"), and Wine's cmd then finds nothing on the user's part after it.
for scope in user machine; do
  if [ $scope = machine ]; then
    DIR="$C/Program Files/osfleet/osctl" WINDIR='C:\Program Files\osfleet\osctl\' KEY=$SYSTEM_ENV
  else
    DIR="$C/users/$(id -un)/AppData/Local/Programs/osfleet/osctl"
    WINDIR="C:\\users\\$(id -un)\\AppData\\Local\\Programs\\osfleet\\osctl\\" KEY='HKCU\Environment'
  fi
  step "per $scope: before installing, cmd does not find osctl"
  out=$(osctl_on_path) || true
  has "$out" -F "osctl $VERSION" && fail "osctl ran before the MSI was installed: $out"

  step "per $scope: msiexec /i /qn"
  w msiexec /i "C:\\osctl-$scope.msi" /qn >"$WORK/install-$scope.txt" ||
    fail "msiexec /i: $(cat "$WORK/install-$scope.txt")"
  check_files "$DIR"
  has "$(path_of "$KEY")" -F "$WINDIR" || fail "$WINDIR is not on $KEY's PATH: $(path_of "$KEY")"
  out=$(osctl_on_path) || fail "cmd /c osctl --version: $out"
  [ "$out" = "osctl $VERSION" ] || fail "cmd /c osctl --version printed: $out"

  step "per $scope: installing it again (the same version) keeps one entry on PATH"
  w msiexec /i "C:\\osctl-$scope.msi" /qn >/dev/null || true
  [ "$(path_of "$KEY" | grep -o -F "$WINDIR" | wc -l)" -eq 1 ] ||
    fail "PATH names the folder more than once: $(path_of "$KEY")"

  step "per $scope: msiexec /x /qn removes the files and the PATH entry"
  w msiexec /x "C:\\osctl-$scope.msi" /qn >"$WORK/remove-$scope.txt" ||
    fail "msiexec /x: $(cat "$WORK/remove-$scope.txt")"
  [ -e "$DIR/osctl.exe" ] && fail "osctl.exe is still installed in $DIR"
  [ -e "$DIR/protos" ] && fail "the .proto files are still installed in $DIR"
  has "$(path_of "$KEY")" -F "$WINDIR" && fail "$WINDIR is still on PATH: $(path_of "$KEY")"
  out=$(osctl_on_path) || true
  has "$out" -F "osctl $VERSION" && fail "osctl still runs after the uninstall: $out"
done
echo "PASS: osctl's MSIs (per machine and per user) under Wine"
