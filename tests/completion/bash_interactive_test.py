#!/usr/bin/env python3
"""`osctl completion bash` under a real TAB: an interactive bash on a pseudo-terminal
sources the script, a line is typed and TAB pressed, and the line readline holds afterwards
is read back (Ctrl-T is bound to print $READLINE_LINE). This checks what bash_completion_test.sh
cannot: that readline splits the words the way that test assumes (':' and '=' apart) and
that the completed word lands in the line whole. Each step waits for its output, up to a
deadline; no fixed sleeps.

OSCTL=build/bin/osctl python3 tests/completion/bash_interactive_test.py
"""
import os
import pty
import re
import select
import shutil
import signal
import sys
import tempfile
import time

OSCTL = os.path.abspath(os.environ["OSCTL"])
INVENTORY = """servers:
  - {name: dc01, address: 10.0.0.5, role: deployment_controller}
  - {name: fe01, address: 10.0.0.11, role: front_end, labels: {site: lisbon}}
  - {name: web10, address: 10.0.0.20, role: front_end}
"""


class Shell:
    def __init__(self, tmp):
        os.makedirs(os.path.join(tmp, "bin"))
        os.symlink(OSCTL, os.path.join(tmp, "bin", "osctl"))
        env = dict(os.environ, PATH=os.path.join(tmp, "bin") + ":" + os.environ["PATH"],
                   PS1="$ ", HOME=tmp, TERM="dumb", INPUTRC="/dev/null")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(tmp)
            os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
        self.buf = b""

    def read_until(self, pattern, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            m = re.search(pattern, self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.buf += os.read(self.fd, 65536)
                except OSError:
                    break
        raise TimeoutError(f"no {pattern!r} in {self.buf[-300:]!r}")

    def run(self, command):
        os.write(self.fd, command.encode() + b"; echo READY-$((6*7))\n")
        self.read_until(rb"READY-42")

    def complete(self, line):
        """The line after typing `line` and pressing TAB."""
        os.write(self.fd, line.encode() + b"\t\x14")
        m = self.read_until(rb"LINE<([^>\r\n]*)>")
        shown = m.string[: m.start()]
        if re.search(rb"rror|No such|not found|osctl:", shown):  # nothing but the line itself
            raise AssertionError(f"completing {line!r} printed {shown!r}")
        got = m.group(1).decode()
        os.write(self.fd, b"\x15")  # Ctrl-U: clear the line for the next case
        return got

    def close(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def main():
    tmp = tempfile.mkdtemp()
    failures = 0
    shell = None
    try:
        inv = os.path.join(tmp, "inv.yaml")
        with open(inv, "w") as f:
            f.write(INVENTORY)
        shell = Shell(tmp)
        shell.run("bind 'set bell-style none'")
        shell.run("bind -x '\"\\C-t\": printf \"\\nLINE<%s>\\n\" \"$READLINE_LINE\"'")
        shell.run("source <(osctl completion bash)")
        cases = [
            ("osctl rollout ap", "osctl rollout apply "),
            ("osctl rollout apply --ba", "osctl rollout apply --batch "),
            ("osctl -o js", "osctl -o json"),  # json and jsonl: their common part
            (f"osctl -i {inv} --limit dc01,w", f"osctl -i {inv} --limit dc01,web10 "),
            (f"osctl -i {inv} --limit role:d", f"osctl -i {inv} --limit role:deployment_controller "),
            (f"osctl -i {inv} --limit label:site=l", f"osctl -i {inv} --limit label:site=lisbon "),
            (f"osctl --inventory={inv} --limit=!we", f"osctl --inventory={inv} --limit=!web10 "),
            (f"osctl -i {tmp}/nothere.yaml --limit w", f"osctl -i {tmp}/nothere.yaml --limit w"),
            (f"osctl --inventory {tmp}/in", f"osctl --inventory {inv} "),
        ]
        for typed, want in cases:
            got = shell.complete(typed)
            print(("ok" if got == want else "FAIL") + f": {typed!r} -> {got!r}")
            if got != want:
                print(f"  want {want!r}")
                failures += 1
    finally:
        if shell:
            shell.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("all passed" if failures == 0 else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
