"""Apply Settings (--settings-applied-file and its flags), the command line and the
process lifecycle of the fake."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from .harness import FAKE, HASH, PYTHON, USER, Fake, child, local


class SettingsAppliedTest(unittest.TestCase):
    """--settings-applied-file, --flag-after-settings, --unavailable-after-settings."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fake-sc-settings-")
        self.applied = os.path.join(self.dir, "settings-applied")
        self.fake = Fake("--settings-applied-file", self.applied, "--flag-after-settings",
                         "Module2:6,Module5:13,Module2:13", "--unavailable-after-settings",
                         "2")

    def tearDown(self):
        self.fake.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def items(self):
        _, response = self.fake.soap("Modules_Get")
        return list(child(response, "Modules_GetResult"))

    def statuses(self):
        """{module name: [(Id, Message)]} as the agent reads them."""
        out = {}
        for item in self.items():
            self.assertEqual(local(item.tag), "CS_Module")
            statuses = child(item, "StatusMessages")
            self.assertIsNotNone(statuses)
            pairs = []
            for m in statuses:
                self.assertEqual(local(m.tag), "StatusMessage")
                pairs.append((int(child(m, "Id").text), child(m, "Message").text))
            out[child(item, "Name").text] = pairs
        return out

    def test_flags_only_once_settings_are_applied(self):
        before = self.statuses()
        self.assertEqual(len(before), 5)
        self.assertTrue(all(v == [] for v in before.values()), before)
        with open(self.applied, "w") as f:
            f.write("applied\n")
        for _ in range(2):     # the services "restart": 503, and nothing else
            status, resp, _ = self.fake.soap_raw("Modules_Get", ())
            self.assertEqual(status, 503)
            self.assertEqual(resp.getheader("Retry-After"), "1")
        after = self.statuses()
        self.assertEqual([i for i, _ in after["Module2"]], [6, 13])
        self.assertEqual([i for i, _ in after["Module5"]], [13])
        self.assertIn("outdated references", after["Module2"][0][1])
        for name in ("Module1", "Module3", "Module4"):
            self.assertEqual(after[name], [])
        log = [e for e in self.fake.log_entries() if e["op"] == "Modules_Get"]
        self.assertEqual([e["status"] for e in log], [200, 503, 503, 200])
        self.assertEqual(log[0]["flagged"], [])
        self.assertEqual(log[-1]["flagged"], ["Module2:6", "Module2:13", "Module5:13"])
        self.assertEqual(self.statuses(), after)   # the 503s are spent

    def test_rest_is_unavailable_too_while_restarting(self):
        mods = self.fake.modules_get()
        with open(self.applied, "w") as f:
            f.write("applied\n")
        doc = {"ModulesToPublish": [{"REST_Module": {"Name": mods[0]["Name"]}}]}
        self.assertEqual(self.fake.publish_raw(doc)[0], 503)
        self.assertEqual(self.fake.soap_raw("Modules_Get", ())[0], 503)
        self.assertEqual(self.fake.publish_raw(doc)[0], 200)
        ops = [(e["op"], e["status"]) for e in self.fake.log_entries()]
        self.assertIn(("Staging_PublishWith2StepOption", 503), ops)


class SettingsArgsTest(unittest.TestCase):
    def run_fake(self, *extra):
        d = tempfile.mkdtemp()
        try:
            r = subprocess.run([PYTHON, FAKE, "--port-file", os.path.join(d, "p"),
                                "--user", USER, "--hash", HASH] + list(extra),
                               capture_output=True, timeout=15)
            self.assertFalse(os.path.exists(os.path.join(d, "p")))
            return r
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_bad_flags_are_refused(self):
        for extra in (["--flag-after-settings", "Module2:6"],
                      ["--settings-applied-file", "/x", "--flag-after-settings", "Module2"],
                      ["--settings-applied-file", "/x", "--flag-after-settings", "Nope:6"],
                      ["--settings-applied-file", "/x", "--flag-after-settings", "Module2:x"],
                      ["--unavailable-after-settings", "1"]):
            r = self.run_fake(*extra)
            self.assertNotEqual(r.returncode, 0, extra)
            self.assertIn(b"settings", r.stderr, extra)

    def test_encrypted_password_is_the_same_option(self):
        d = tempfile.mkdtemp()
        port_file = os.path.join(d, "port")
        proc = subprocess.Popen([PYTHON, FAKE, "--port-file", port_file, "--user", USER,
                                 "--encrypted-password", HASH],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 15
            while not os.path.exists(port_file) and time.monotonic() < deadline:
                time.sleep(0.02)
            with open(port_file) as f:
                port = int(f.read())
            fake = Fake.__new__(Fake)
            fake.tls, fake.port = None, port
            self.assertEqual(len(fake.modules_get()), 5)   # "#" + HASH accepted
        finally:
            proc.terminate()
            proc.wait(15)
            shutil.rmtree(d, ignore_errors=True)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_and_sigint_exit_zero(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            fake = Fake(log=False)
            try:
                self.assertEqual(len(fake.modules_get()), 5)
                with open(fake.port_file) as f:
                    self.assertRegex(f.read(), r"^\d+\n?$")
                fake.proc.send_signal(sig)
                self.assertEqual(fake.proc.wait(15), 0)
            finally:
                fake.cleanup()

    def test_tls_args_together(self):
        d = tempfile.mkdtemp()
        try:
            r = subprocess.run([PYTHON, FAKE, "--port-file", os.path.join(d, "p"),
                                "--user", USER, "--hash", HASH, "--tls-cert", "x"],
                               capture_output=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertFalse(os.path.exists(os.path.join(d, "p")))
        finally:
            shutil.rmtree(d, ignore_errors=True)
