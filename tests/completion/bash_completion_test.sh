#!/bin/bash
# `osctl completion bash`, tried in bash: the generated script is sourced and its completion
# function called as bash calls it on TAB (COMP_LINE, COMP_POINT, and COMP_WORDS split the
# way readline splits them: blanks, and COMP_WORDBREAKS characters such as ':' and '=' as
# words of their own). Expected lists come from elsewhere: the top-level commands from
# `osctl --help`, the servers from the inventory written here.
#   OSCTL=build/bin/osctl tests/completion/bash_completion_test.sh
set -u
osctl="${OSCTL:?set OSCTL to the osctl to test}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
# `osctl` on the line is the osctl under test, found on PATH as an installed one would be.
mkdir "$tmp/bin" && ln -s "$(cd "$(dirname "$osctl")" && pwd)/$(basename "$osctl")" "$tmp/bin/osctl"
export PATH="$tmp/bin:$PATH"

cat >"$tmp/inventory.yaml" <<'YAML'
servers:
  - {name: dc01, address: 10.0.0.5, role: deployment_controller, labels: {site: lisbon}}
  - {name: fe01, address: 10.0.0.11, role: front_end, labels: {site: lisbon}}
  - {name: fe02, address: 10.0.0.12, role: front_end, labels: {site: porto}}
  - {name: fe03, address: 10.0.0.13, role: front_end, labels: {site: porto}}
  - {name: web10, address: 10.0.0.20, role: front_end}
YAML
printf 'servers: [\n' >"$tmp/broken.yaml"
mkdir "$tmp/pki.d" "$tmp/pkiother"
: >"$tmp/pkicert.pem"

"$osctl" completion bash >"$tmp/osctl.bash" || { echo "FAIL: osctl completion bash"; exit 1; }
# shellcheck source=/dev/null
source "$tmp/osctl.bash" || { echo "FAIL: the script does not source"; exit 1; }

# split LINE: COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT as readline sets them for a TAB at
# the end of LINE (no quotes in these lines).
split() {
  local line="$1" breaks='"'"'"'><=;|&(:' word='' i c
  COMP_WORDS=()
  for ((i = 0; i < ${#line}; i++)); do
    c="${line:i:1}"
    if [[ $c == [[:space:]] ]]; then
      [[ -n $word ]] && COMP_WORDS+=("$word")
      word=''
    elif [[ $breaks == *"$c"* ]]; then
      if [[ -n $word && $breaks != *"${word:0:1}"* ]]; then COMP_WORDS+=("$word") word=''; fi
      word+="$c"
    else
      if [[ -n $word && $breaks == *"${word:0:1}"* ]]; then COMP_WORDS+=("$word") word=''; fi
      word+="$c"
    fi
  done
  COMP_WORDS+=("$word")  # the word at the cursor, empty after a blank
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$line"
  COMP_POINT=${#line}
}

# complete LINE: COMPREPLY, sorted, one a line in $got; fails the case if the function
# printed anything (a completion must never write into the shell).
complete_line() {
  split "$1"
  COMPREPLY=()
  _osctl >"$tmp/out" 2>"$tmp/err"
  got="$(printf '%s\n' "${COMPREPLY[@]}" | sort | sed '/^$/d')"
  if [[ -s $tmp/out || -s $tmp/err ]]; then
    echo "FAIL: '$1' printed: $(cat "$tmp/out" "$tmp/err")"
    failures=$((failures + 1))
  fi
}

# expect LINE WORD...: completing LINE offers exactly WORD... (any order).
expect() {
  local line="$1"
  shift
  complete_line "$line"
  local want
  want="$(printf '%s\n' "$@" | sort | sed '/^$/d')"
  if [[ $got == "$want" ]]; then
    echo "ok: '$line' -> $(echo $got)"
  else
    echo "FAIL: '$line'"
    echo "  want: $(echo $want)"
    echo "  got:  $(echo $got)"
    failures=$((failures + 1))
  fi
}

# The top-level commands as `osctl --help` lists them.
mapfile -t top < <("$osctl" --help | sed -n '/^Subcommands:/,$p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[[ ${#top[@]} -ge 8 ]] || { echo "FAIL: osctl --help lists ${#top[@]} commands"; exit 1; }

inv="$tmp/inventory.yaml"
expect 'osctl ' "${top[@]}"
expect 'osctl rollout ap' apply
expect 'osctl rollout apply --ba' --batch
expect 'osctl --inventory x rollout apply --ba' --batch
expect 'osctl --insecure -v fleet st' status  # flags take no value: the next word is a command
expect 'osctl rollout apply -y --no-install-service-center --skip-service-center --ca' --canary
expect 'osctl completion ' bash powershell
expect 'osctl -o ' table json jsonl
expect 'osctl fleet status --output j' json jsonl
expect 'osctl fleet status --output=j' json jsonl
expect 'osctl doctor --fail-on ' warn fail
expect "osctl --inventory $inv --limit fe" fe01 fe02 fe03
expect "$tmp/bin/osctl --inventory $inv --limit fe" fe01 fe02 fe03  # the osctl typed is run
expect "osctl -i $inv fleet status -l dc01,f" dc01,fe01 dc01,fe02 dc01,fe03
expect "osctl --inventory $inv --limit dc01,fe01,f" dc01,fe01,fe02 dc01,fe01,fe03
expect "osctl --inventory=$inv --limit !w" '!web10'
expect "osctl --inventory $inv --limit role:" :deployment_controller :front_end
expect "osctl --inventory $inv --limit role:f" front_end
expect "osctl --inventory $inv --limit label:site=p" porto
expect "osctl --inventory $inv --limit=fe0" fe01 fe02 fe03
expect "osctl --inventory $inv --limit all,!fe01,!fe0" 'all,!fe01,!fe02' 'all,!fe01,!fe03'
OSFLEET_INVENTORY="$inv" expect 'osctl fleet status --limit we' web10
cd "$tmp" || exit 1  # ./inventory.yaml, as osctl itself reads it by default
expect 'osctl --limit d' dc01
cp inventory.yaml moved.yaml && rm inventory.yaml
expect 'osctl --limit d'
cd - >/dev/null || exit 1
inv="$tmp/moved.yaml"
# A broken or missing inventory: nothing offered, nothing printed (complete_line checks).
expect "osctl --inventory $tmp/broken.yaml --limit f"
expect "osctl --inventory $tmp/absent.yaml --limit f"
expect "osctl --inventory $inv --limit zz"
# Files and folders where an option takes them.
expect "osctl --inventory $tmp/mo" "$tmp/moved.yaml"
expect "osctl --tls-ca $tmp/pkic" "$tmp/pkicert.pem"
expect "osctl pki show $tmp/pkic" "$tmp/pkicert.pem"
expect "osctl pki init --dir $tmp/pki" "$tmp/pki.d" "$tmp/pkiother"
# No value to offer for free text; no flag of another command.
expect 'osctl rollout apply --batch '
expect 'osctl fleet status --ba'
# The hidden callback is not a command a person is offered.
expect 'osctl __' 

# How long one --limit completion takes (osctl starts, reads the inventory).
start=$(date +%s%N)
for _ in 1 2 3 4 5; do complete_line "osctl --inventory $inv --limit fe"; done
echo "one --limit completion: $((($(date +%s%N) - start) / 5000000)) ms"

if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "all passed"
