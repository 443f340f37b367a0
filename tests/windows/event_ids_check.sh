#!/usr/bin/env bash
# The Event Log's ids: every category and event of packaging/windows/osagent-events.mc, as
# windmc numbers them, is the constant of the same name in agent/event_log/agent_events.h
# (OSAGENT_CATEGORY_SERVICE = kCategoryService, OSAGENT_EVENT_STARTED = kEventStarted), and
# back; kEventCategoryCount is the number of categories. Event Viewer finds an event's text
# by the id the agent writes: a mismatch shows "the description cannot be found".
#   tests/windows/event_ids_check.sh   (ctest: windows.event_ids_match_message_file)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WINDMC=$(command -v x86_64-w64-mingw32-windmc || command -v windmc || true)
[ -n "$WINDMC" ] || { echo "FAIL: windmc not found (Debian package binutils-mingw-w64-x86-64)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$WINDMC" -h "$T" -r "$T" "$ROOT/packaging/windows/osagent-events.mc"
python3 - "$T/osagent-events.h" "$ROOT/agent/event_log/agent_events.h" <<'EOP'
import re, sys
mc = {m.group(1): int(m.group(2), 16) for m in
      re.finditer(r"#define (OSAGENT_\w+) \(DWORD\) 0x([0-9a-fA-F]+)", open(sys.argv[1]).read())}
src = open(sys.argv[2]).read()
cc = {m.group(1): int(m.group(2)) for m in
      re.finditer(r"constexpr std::uint(?:16|32)_t (k(?:Category|Event)\w+) = (\d+);", src)}
def snake(name):  # kEventStarted -> OSAGENT_EVENT_STARTED
    return "OSAGENT_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name[1:]).upper()
errors = []
for name, value in cc.items():
    if snake(name) not in mc:
        errors.append(f"{name} = {value} has no {snake(name)} in the message file")
    elif mc[snake(name)] != value:
        errors.append(f"{name} = {value} but the message file's {snake(name)} is {mc[snake(name)]}")
for symbol, value in mc.items():
    if symbol not in {snake(n) for n in cc}:
        errors.append(f"the message file's {symbol} = {value} has no constant in agent_events.h")
categories = sum(1 for s in mc if s.startswith("OSAGENT_CATEGORY_"))
count = re.search(r"constexpr int kEventCategoryCount = (\d+);", src)
if not count or int(count.group(1)) != categories:
    errors.append(f"kEventCategoryCount is {count and count.group(1)}, the message file has {categories} categories")
if sorted(v for s, v in mc.items() if s.startswith("OSAGENT_CATEGORY_")) != list(range(1, categories + 1)):
    errors.append("the categories are not numbered 1..count")
for e in errors:
    print("FAIL:", e, file=sys.stderr)
if errors:
    sys.exit(1)
print(f"ok: {len(mc)} ids ({categories} categories) match agent_events.h")
EOP
