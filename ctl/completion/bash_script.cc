#include "ctl/completion/bash_script.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "ctl/completion/shell_words.h"

namespace osfleet::ctl {
namespace {

std::string Quoted(absl::string_view text) { return SingleQuoted(text, "'\\''"); }

// One `case` arm: PATTERN) _osctl_reply=VALUE ;;
std::string Arm(absl::string_view pattern, absl::string_view value) {
  return absl::StrCat("    ", pattern, ") _osctl_reply=", Quoted(value), " ;;\n");
}

std::string LookupFunction(absl::string_view name, absl::string_view comment,
                           absl::string_view subject, const std::string& arms) {
  return absl::StrCat("# ", comment, "\n", name, "() {\n  _osctl_reply=''\n  case \"", subject,
                      "\" in\n", arms, "  esac\n}\n\n");
}

std::string Tables(const CommandNode& root) {
  std::string subcommands, flags, values, positionals;
  for (const CommandNode* node : AllNodes(root)) {
    const std::string path = Quoted(node->path);
    std::vector<std::string> subs, names;
    for (const CommandNode& sub : node->subcommands) subs.push_back(sub.name);
    if (!subs.empty()) subcommands += Arm(path, absl::StrJoin(subs, " "));
    for (const OptionSpec& option : node->options) {
      names.insert(names.end(), option.names.begin(), option.names.end());
      if (option.kind == ValueKind::kNone) continue;
      std::vector<std::string> patterns;
      for (const std::string& n : option.names) patterns.push_back(Quoted(node->path + "|" + n));
      values += Arm(absl::StrJoin(patterns, "|"), KindWords(option));
    }
    if (!names.empty()) flags += Arm(path, absl::StrJoin(names, " "));
    if (node->positional != ValueKind::kNone) positionals += Arm(path, KindWords(node->positional));
  }
  return absl::StrCat(
      LookupFunction("_osctl_subcommands", "_osctl_subcommands PATH: the subcommands of PATH", "$1",
                     subcommands),
      LookupFunction("_osctl_flags", "_osctl_flags PATH: the flags and options of PATH itself",
                     "$1", flags),
      LookupFunction("_osctl_value",
                     "_osctl_value PATH OPTION: what OPTION of PATH takes: '' (a flag or none), "
                     "any, file, dir, limit, choices WORD...",
                     "$1|$2", values),
      LookupFunction("_osctl_positional",
                     "_osctl_positional PATH: what the first positional argument of PATH is", "$1",
                     positionals));
}

// The part that is the same for every tree: reading the line, walking it, completing.
constexpr char kWalker[] =
    R"BASH(# _osctl_up FUNCTION PATH: FUNCTION asked of PATH, then of each parent up to
# osctl itself (global flags work after any subcommand); the answers joined.
_osctl_up() {
  local f="$1" p="$2" acc=''
  while :; do
    "$f" "$p"
    [[ -n $_osctl_reply ]] && acc+="${acc:+ }$_osctl_reply"
    [[ -z $p ]] && break
    if [[ $p == *' '* ]]; then p="${p% *}"; else p=''; fi
  done
  _osctl_reply="$acc"
}

# _osctl_first_value PATH OPTION: what OPTION takes, from the nearest command declaring it.
_osctl_first_value() {
  local p="$1"
  while :; do
    _osctl_value "$p" "$2"
    [[ -n $_osctl_reply || -z $p ]] && return
    if [[ $p == *' '* ]]; then p="${p% *}"; else p=''; fi
  done
}

# _osctl_words: words/cword from COMP_WORDS, with the pieces bash split at
# COMP_WORDBREAKS (':' '=' ...) glued back when no blank separates them in COMP_LINE.
_osctl_words() {
  words=() cword=0
  if [[ -z ${COMP_LINE-} ]]; then
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    return
  fi
  local line="${COMP_LINE:0:COMP_POINT}" i w glued
  for ((i = 0; i <= COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}" glued=1
    if [[ $line =~ ^[[:space:]]+ ]]; then
      glued=0 line="${line:${#BASH_REMATCH[0]}}"
    fi
    if ((glued && i > 0)); then words[${#words[@]} - 1]+="$w"; else words+=("$w"); fi
    line="${line:${#w}}"
  done
  cword=$((${#words[@]} - 1))
}

# _osctl_limit TYPED: the --limit expressions osctl offers for TYPED, silently.
_osctl_limit() {
  local exe="${words[0]}" args=()
  [[ $exe == '~/'* ]] && exe="$HOME/${exe:2}"
  if [[ -n $inventory ]]; then
    [[ $inventory == '~/'* ]] && inventory="$HOME/${inventory:2}"
    args=(--inventory "$inventory")
  fi
  mapfile -t COMPREPLY < <("$exe" "${args[@]}" @LIMIT_CALLBACK@ -- "$1" 2>/dev/null)
  COMPREPLY=("${COMPREPLY[@]%$'\r'}")  # osctl.exe under Git Bash ends its lines with CRLF
}

# _osctl_complete_value KIND TYPED BEFORE: COMPREPLY for a value of KIND, each after BEFORE.
_osctl_complete_value() {
  local kind="${1%% *}" i
  case "$kind" in
    choices) mapfile -t COMPREPLY < <(compgen -W "${1#choices}" -- "$2") ;;
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
    limit) _osctl_limit "$2" ;;
    *) COMPREPLY=() ;;
  esac
  for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="$3${COMPREPLY[i]}"; done
}

_osctl_complete_word() {
  local path='' inventory='' pending='' positional=0 i w
  for ((i = 1; i < cword; i++)); do
    w="${words[i]}"
    if [[ -n $pending ]]; then
      [[ " $_osctl_inventory_flags " == *" $pending "* ]] && inventory="$w"
      pending=''
      continue
    fi
    if ((positional)); then continue; fi
    case "$w" in
      --) positional=1; continue ;;
      --*=*)
        [[ " $_osctl_inventory_flags " == *" ${w%%=*} "* ]] && inventory="${w#*=}"
        continue ;;
      -*)
        _osctl_first_value "$path" "$w"
        [[ -n $_osctl_reply ]] && pending="$w"
        continue ;;
    esac
    _osctl_subcommands "$path"
    [[ " $_osctl_reply " == *" $w "* ]] && path="${path:+$path }$w"
  done
  local cur="${words[cword]}"
  if [[ -n $pending ]]; then
    _osctl_first_value "$path" "$pending"
    _osctl_complete_value "$_osctl_reply" "$cur" ''
  elif ((!positional)) && [[ $cur == --*=* ]]; then
    _osctl_first_value "$path" "${cur%%=*}"
    _osctl_complete_value "$_osctl_reply" "${cur#*=}" "${cur%%=*}="
  elif ((!positional)) && [[ $cur == -* ]]; then
    _osctl_up _osctl_flags "$path"
    mapfile -t COMPREPLY < <(compgen -W "$_osctl_reply" -- "$cur")
  else
    _osctl_subcommands "$path"
    if ((!positional)) && [[ -n $_osctl_reply ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$_osctl_reply" -- "$cur")
    else
      _osctl_positional "$path"
      _osctl_complete_value "$_osctl_reply" "$cur" ''
    fi
  fi
}

# The completion function: bash replaces only its own word (the text after the last
# COMP_WORDBREAKS character), so what precedes it in the glued word is cut off the answers.
_osctl() {
  local words cword _osctl_reply='' i
  COMPREPLY=()
  _osctl_words
  _osctl_complete_word
  local cut=$((${#words[cword]} - ${#COMP_WORDS[COMP_CWORD]}))
  if ((cut > 0)); then
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="${COMPREPLY[i]:cut}"; done
  fi
  return 0
}

complete -F _osctl osctl osctl.exe
)BASH";

}  // namespace

std::string BashCompletionScript(const CommandNode& root, const std::string& version) {
  return absl::StrCat(
      "# bash completion for osctl (", version, "), generated by `osctl completion bash`\n",
      "# from osctl's command tree. Install: source <(osctl completion bash), or save it as\n",
      "# /etc/bash_completion.d/osctl. Needs bash 4.\n\n",
      "_osctl_inventory_flags=", Quoted(InventoryFlags(root)), "\n\n", Tables(root),
      absl::StrReplaceAll(kWalker, {{"@LIMIT_CALLBACK@", LimitCallbackWords()}}));
}

}  // namespace osfleet::ctl
