"""The fake's other modes (warnings, errors, slow, endless, unauthorized, malformed-xml,
malformed-json) and HTTPS."""

import http.client
import json
import ssl
import xml.etree.ElementTree as ET

from .harness import SOAP_PATH, Fake, FakeCase


def run_publish(fake):
    return fake.poll_all(fake.publish(fake.modules_get()))


class WarningsModeTest(FakeCase):
    ARGS = ("--mode", "warnings")

    def test_warning_in_middle(self):
        got, polls = run_publish(self.fake)
        self.assertEqual(polls, 2)
        types = [m["Type"] for m in got]
        self.assertEqual(types.count("Warning"), 1)
        i = types.index("Warning")
        self.assertTrue(0 < i < len(got) - 1)
        self.assertEqual(got[i]["Message"], "Module2: the module has 1 warning")
        self.assertEqual(got[i]["Detail"], "Deprecated action used")
        self.assertEqual(len(got), 12)
        self.assertEqual([int(m["Id"]) for m in got], list(range(1, 13)))


class ErrorsModeTest(FakeCase):
    ARGS = ("--mode", "errors", "--polls", "4")

    def test_error_then_more(self):
        got, polls = run_publish(self.fake)
        self.assertEqual(polls, 4)
        types = [m["Type"] for m in got]
        self.assertEqual(types.count("Error"), 1)
        i = types.index("Error")
        self.assertEqual(got[i]["Message"], "Module3: failed to compile")
        self.assertTrue(got[i]["Detail"])
        self.assertGreater(len(got) - 1, i)
        self.assertEqual(got[-1]["Message"], "Publish finished")

    def test_abort_on_error(self):
        pid = self.fake.publish(self.fake.modules_get())
        after, seen_error = 0, False
        for _ in range(10):
            msgs, after, finished = self.fake.get_messages(pid, after)
            if any(m["Type"] == "Error" for m in msgs):
                seen_error = True
                break
        self.assertTrue(seen_error)
        self.assertFalse(finished)
        self.fake.soap("SolutionPack_PublishAbort", [("publishId", pid)], version="1.2")
        self.assertEqual(self.fake.get_messages(pid, after), ([], after, True))


class SlowModeTest(FakeCase):
    ARGS = ("--mode", "slow")

    def test_ten_polls(self):
        got, polls = run_publish(self.fake)
        self.assertEqual(polls, 10)
        self.assertEqual(len(got), 11)

    def test_polls_override(self):
        other = Fake("--mode", "slow", "--polls", "3", log=False)
        try:
            self.assertEqual(run_publish(other)[1], 3)
        finally:
            other.cleanup()


class EndlessModeTest(FakeCase):
    ARGS = ("--mode", "endless", "--messages-per-poll", "25")

    def test_never_finishes_until_aborted(self):
        pid = self.fake.publish(self.fake.modules_get())
        after = 0
        for _ in range(5):
            msgs, last, finished = self.fake.get_messages(pid, after)
            self.assertEqual(len(msgs), 25)
            self.assertEqual([int(m["Id"]) for m in msgs], list(range(after + 1, after + 26)))
            self.assertEqual(last, after + 25)
            self.assertFalse(finished)
            after = last
        self.fake.soap("SolutionPack_PublishAbort", [("publishId", pid)])
        self.assertEqual(self.fake.get_messages(pid, after), ([], after, True))


class UnauthorizedModeTest(FakeCase):
    ARGS = ("--mode", "unauthorized")

    def test_everything_401(self):
        for version in ("1.1", "1.2"):
            status, _, _ = self.fake.soap_raw("Modules_Get", (), version)
            self.assertEqual(status, 401)
        status, _, _ = self.fake.soap_raw("Modules_Delete", ())
        self.assertEqual(status, 401)
        mods = [{"Name": "Module1", "Key": "x", "Kind": "eSpace"}]
        status, resp, _ = self.fake.publish_raw(
            {"ModulesToPublish": [{"REST_Module": mods[0]}], "ApplicationsToUpdate": []})
        self.assertEqual(status, 401)
        self.assertIsNotNone(resp.getheader("WWW-Authenticate"))
        self.assertTrue(all(e["auth_ok"] is False for e in self.fake.log_entries()))


class MalformedXmlModeTest(FakeCase):
    ARGS = ("--mode", "malformed-xml")

    def test_truncated(self):
        for version in ("1.1", "1.2"):
            status, resp, data = self.fake.soap_raw("Modules_Get", (), version)
            self.assertEqual(status, 200)
            self.assertEqual(len(data), 60)
            self.assertEqual(int(resp.getheader("Content-Length")), 60)
            with self.assertRaises(ET.ParseError):
                ET.fromstring(data)
        # REST still fine (it takes Name alone); polling answers are truncated too.
        status, _, data = self.fake.publish_raw(
            {"ModulesToPublish": [{"REST_Module": {"Name": "Module1"}}],
             "ApplicationsToUpdate": []})
        self.assertEqual(status, 200)
        pid = json.loads(data)["publishId"]
        status, _, data = self.fake.soap_raw(
            "SolutionPack_GetPublishMessages", [("publishId", pid), ("afterMessageId", 0)])
        self.assertEqual((status, len(data)), (200, 60))


class MalformedJsonModeTest(FakeCase):
    ARGS = ("--mode", "malformed-json")

    def test_truncated_json(self):
        mods = self.fake.modules_get()
        doc = {"ModulesToPublish": [{"REST_Module": mods[0]}], "ApplicationsToUpdate": []}
        status, resp, data = self.fake.publish_raw(doc)
        self.assertEqual(status, 200)
        self.assertEqual(data, b'{"publishId": ')
        with self.assertRaises(ValueError):
            json.loads(data)


class HttpsTest(FakeCase):
    TLS = True

    def test_https_roundtrip(self):
        mods = self.fake.modules_get("1.2")
        self.assertEqual(len(mods), 5)
        got, polls = self.fake.poll_all(self.fake.publish(mods))
        self.assertEqual((len(got), polls), (11, 2))

    def test_untrusted_rejected(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.fake.port, timeout=10,
                                           context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLError):
            conn.request("POST", SOAP_PATH, b"")
        conn.close()
        # Still serving after a failed handshake.
        self.assertEqual(len(self.fake.modules_get()), 5)
