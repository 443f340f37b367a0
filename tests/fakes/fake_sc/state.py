"""The fake Service Center's state: its modules, the Apply Settings flags and 503s, the
credentials check, the publish state machine and the request log.

Apply Settings (the fake Configuration Tool's /ApplySettingsFactory touches
--settings-applied-file): while FILE does not exist, every module's StatusMessages is
empty; once it exists, the modules named in --flag-after-settings carry a status message
with that Id (6: outdated references, 13: not published since the last version update),
and the first N requests after the fake first sees it (--unavailable-after-settings,
default 0) answer 503 Service Unavailable, as while the services restart.
(The 503 itself is answered in server.py; the status messages' XML in soap.py.)

Publications (the wire details of GetPublishMessages and PublishAbort; soap.py answers
them):
  * Messages of a publish of modules M1..Mk (ids 1, 2, ... in order):
        Info "Publishing Mi", Info "Mi published successfully"   (for each module)
        Info "Publish finished"                                   (last)
    mode warnings: a Warning "<2nd module>: the module has 1 warning"
        (Detail "Deprecated action used") is inserted in the middle;
    mode errors: an Error "<3rd module>: failed to compile" is inserted in the
        middle and the later messages still come.
    (<2nd module>/<3rd module> is the published module at that position, or the
    last one when fewer were published: "Module2"/"Module3" when all are published.)
    The messages are released over P polls (--polls, default 2; 10 in mode slow):
    after the k-th GetPublishMessages call of a publish the first
    ceil(total*k/P) messages are available. A call returns the available messages
    with Id > afterMessageId; lastMessageId is the highest id returned, or
    afterMessageId when none; finished is true once the last message has been
    returned (or at/after it was acknowledged through afterMessageId), and always
    after SolutionPack_PublishAbort (which stops any further message).
  * mode endless: a publication that never finishes: every GetPublishMessages call
    answers --messages-per-poll (default 1000) new Info messages "Publishing step N"
    (Detail "still publishing") after afterMessageId, finished false, until the
    publication is aborted (as a Service Center stuck in a publication that keeps
    logging).
  * --modules N lists N modules (Module1..ModuleN; 250 000 make a Modules_Get answer of
    ~37 MB, a factory larger than any real one).
"""

import json
import math
import os
import threading
import uuid

MODES = ("ok", "warnings", "errors", "slow", "unauthorized", "malformed-xml",
         "malformed-json", "refused", "refused-bare", "endless")
KEY_NAMESPACE = uuid.UUID("6f1c1b4e-8a51-4c2b-9a43-0f5e5c0d2a11")
STATUS_TEXTS = {
    6: "The module has outdated references to other modules; republish it.",
    13: "The module was not published since the last platform version update.",
}


class SoapError(Exception):
    """A request problem answered with HTTP 500 and a SOAP Fault."""


def make_modules(count):
    modules = []
    for i in range(1, count + 1):
        name = "Module%d" % i
        modules.append({
            "Name": name,
            "Key": str(uuid.uuid5(KEY_NAMESPACE, name)),
            "Kind": "Extension" if i % 3 == 0 else "eSpace",
        })
    return modules


def parse_flags(text, by_name):
    """'Module2:6,Module5:13' -> {'Module2': [6], 'Module5': [13]}; ValueError if bad."""
    flags = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, ident = part.rpartition(":")
        if not sep or not name or not ident.strip().isdigit():
            raise ValueError("--flag-after-settings: '%s' is not NAME:ID" % part)
        if name not in by_name:
            raise ValueError("--flag-after-settings: no module named '%s'" % name)
        flags.setdefault(name, []).append(int(ident))
    return flags


class Publish:
    def __init__(self, publish_id, messages, polls):
        self.id = publish_id
        self.messages = messages          # list of dicts with Id/Type/Message/Detail
        self.polls = polls
        self.poll_count = 0
        self.aborted = False


class State:
    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.modules = make_modules(args.modules)
        self.by_name = {m["Name"]: m for m in self.modules}
        if args.polls is not None:
            self.polls = args.polls
        else:
            self.polls = 10 if args.mode == "slow" else 2
        self.lock = threading.Lock()
        self.next_publish_id = 42
        self.publishes = {}
        self.log_lock = threading.Lock()
        self.flags = parse_flags(args.flag_after_settings, self.by_name)
        self.unavailable_left = args.unavailable_after_settings

    def settings_applied(self):
        path = self.args.settings_applied_file
        return bool(path) and os.path.exists(path)

    def restarting(self):
        """True for the first --unavailable-after-settings requests once settings apply."""
        if not self.settings_applied():
            return False
        with self.lock:
            if self.unavailable_left > 0:
                self.unavailable_left -= 1
                return True
            return False

    def status_messages(self, name):
        """[(Id, text)] of a module now: none until settings are applied."""
        if not self.settings_applied():
            return []
        return [(i, STATUS_TEXTS.get(i, "Status %d" % i)) for i in self.flags.get(name, [])]

    def credentials_ok(self, user, password):
        if self.mode == "unauthorized":
            return False
        return user == self.args.user and password == "#" + self.args.hash

    def build_messages(self, names):
        msgs = []
        for n in names:
            msgs.append(("Info", "Publishing %s" % n, ""))
            msgs.append(("Info", "%s published successfully" % n, ""))
        middle = len(msgs) // 2
        if self.mode == "warnings":
            who = names[min(1, len(names) - 1)]
            msgs.insert(middle, ("Warning", "%s: the module has 1 warning" % who,
                                 "Deprecated action used"))
        elif self.mode == "errors":
            who = names[min(2, len(names) - 1)]
            msgs.insert(middle, ("Error", "%s: failed to compile" % who,
                                 "Compilation error in action 'Preparation' of screen "
                                 "'Home': unknown identifier 'SettingsValue'"))
        msgs.append(("Info", "Publish finished", ""))
        return [{"Id": i + 1, "Type": t, "Message": m, "Detail": d}
                for i, (t, m, d) in enumerate(msgs)]

    def new_publish(self, names):
        with self.lock:
            pid = self.next_publish_id
            self.next_publish_id += 1
            self.publishes[pid] = Publish(pid, self.build_messages(names), self.polls)
            return pid

    def poll(self, pid, after):
        with self.lock:
            if pid == 0:       # what a wrong or missing publishId element becomes
                return [], after, True
            pub = self.publishes.get(pid)
            if pub is None:
                raise SoapError("Unknown publishId %d" % pid)
            if pub.aborted:
                return [], after, True
            pub.poll_count += 1
            if self.mode == "endless":
                n = self.args.messages_per_poll
                out = [{"Id": after + i, "Type": "Info", "Message": "Publishing step %d" % (after + i),
                        "Detail": "still publishing"} for i in range(1, n + 1)]
                return out, after + n, False
            total = len(pub.messages)
            k = min(pub.poll_count, pub.polls)
            available = total if k >= pub.polls else math.ceil(total * k / pub.polls)
            out = [m for m in pub.messages[:available] if m["Id"] > after]
            last = out[-1]["Id"] if out else after
            finished = available == total and last >= total
            return out, last, finished

    def abort(self, pid):
        with self.lock:
            if pid == 0:       # silently "aborted": nothing was
                return
            pub = self.publishes.get(pid)
            if pub is None:
                raise SoapError("Unknown publishId %d" % pid)
            pub.aborted = True

    def log(self, entry):
        path = self.args.request_log
        if not path:
            return
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.log_lock:
            with open(path, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
