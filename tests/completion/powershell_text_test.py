#!/usr/bin/env python3
"""`osctl completion powershell`, checked as text (no pwsh here, so it is never run):

- it registers a native completer for osctl and osctl.exe;
- its brackets, braces and parentheses balance and every string and comment closes
  (PowerShell's quoting: '' inside '...', a backtick escape inside "...", <# #>, #);
- every command `osctl ... --help` lists, at every level, is in it with exactly its
  subcommands, and every option those help pages list is among its flags.

OSCTL=build/bin/osctl python3 tests/completion/powershell_text_test.py
"""
import os
import re
import subprocess
import sys

OSCTL = os.environ["OSCTL"]
PAIRS = {"(": ")", "{": "}", "[": "]"}


def balance_errors(text):
    """Where the text's brackets or quoting do not close, as messages."""
    stack, i, line = [], 0, 1
    while i < len(text):
        c = text[i]
        if c == "\n":
            line += 1
        if text.startswith("<#", i):
            end = text.find("#>", i)
            if end < 0:
                return [f"line {line}: <# never closed"]
            line += text.count("\n", i, end)
            i = end + 2
            continue
        if c == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if c in "'\"":
            start, i = line, i + 1
            while True:
                if i >= len(text):
                    return [f"line {start}: string {c} never closed"]
                if c == '"' and text[i] == "`":
                    i += 2
                    continue
                if text[i] == "\n":
                    line += 1
                if text[i] == c:
                    if text[i + 1 : i + 2] == c:  # doubled quote: one quote inside
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            continue
        if c in PAIRS:
            stack.append((c, line))
        elif c in PAIRS.values():
            if not stack or PAIRS[stack[-1][0]] != c:
                return [f"line {line}: '{c}' closes nothing open (open: {stack[-3:]})"]
            stack.pop()
        i += 1
    return [f"line {l}: '{c}' never closed" for c, l in stack]


def help_of(path):
    """(subcommands, option names) as `osctl PATH --help` lists them."""
    out = subprocess.run([OSCTL, *path, "--help"], capture_output=True, text=True, check=True)
    subs, options, section = [], [], ""
    for row in out.stdout.splitlines():
        if re.match(r"^\S.*:$", row):
            section = row
            continue
        if section == "Subcommands:":
            m = re.match(r"^  ([a-z][a-z0-9_-]*)\s", row)
            if m:
                subs.append(m.group(1))
        if section.endswith("Options:") or section == "Options:":
            m = re.match(r"^  (-[^ ]+)", row)
            if m:
                options.extend(n for n in m.group(1).split(",") if n.startswith("-"))
    return subs, options


def ps_list(script, table, key):
    m = re.search(r"\$%s\['%s'\] = @\(([^)]*)\)" % (table, re.escape(key)), script)
    if not m:
        return None
    return re.findall(r"'((?:[^']|'')*)'", m.group(1))


def main():
    script = subprocess.run(
        [OSCTL, "completion", "powershell"], capture_output=True, text=True, check=True
    ).stdout
    failures = []
    if "Register-ArgumentCompleter -Native -CommandName osctl, osctl.exe -ScriptBlock {" not in script:
        failures.append("no Register-ArgumentCompleter -Native for osctl, osctl.exe")
    failures += balance_errors(script)
    # the checker itself must see an unbalanced script as one
    for broken in (script + "}", "(" + script, script + "'", script.replace("}", "", 1)):
        if not balance_errors(broken):
            failures.append("the balance check accepts a broken script")
    commands, todo = 0, [[]]
    while todo:
        path = todo.pop()
        key = " ".join(path)
        subs, options = help_of(path)
        commands += 1
        if subs and ps_list(script, "subcommands", key) != subs:
            failures.append(f"'{key}': subcommands {ps_list(script, 'subcommands', key)}, help says {subs}")
        flags = ps_list(script, "flags", key) or []
        missing = [o for o in options if o not in flags]
        if missing:
            failures.append(f"'{key}': flags {missing} of its --help are missing")
        todo += [path + [s] for s in subs]
    if "__complete" in re.sub(r"@\('__complete', 'limit'\)", "", script):
        failures.append("the hidden __complete command is offered")
    for f in failures:
        print("FAIL:", f)
    print(f"{commands} commands checked, {len(script.splitlines())} lines")
    return 1 if failures or commands < 20 else 0


if __name__ == "__main__":
    sys.exit(main())
