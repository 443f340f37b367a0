#!/usr/bin/python3
"""Self-test of tests/fakes/fake_service_center.py (stdlib only).

Run: /usr/bin/python3 tests/fakes/fake_service_center_test.py [-v]
"""

import base64
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_service_center.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

USER = "admin"
HASH = "Qk9HVVNIQVNIdmFsdWU0Mg+/=zz"   # distinctive, searched for in logs
PASSWORD = "#" + HASH
SOAP_PATH = "/ServiceCenter/PlatformServices_v8_0_0.asmx"
REST_PATH = ("/ServiceCenter/rest/PlatformServices/Staging_PublishWith2StepOption"
             "?StagingName=osfleet-republish&TwoStepMode=false")
OS_NS = "http://www.outsystems.com"
NS = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/",
      "1.2": "http://www.w3.org/2003/05/soap-envelope"}


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child(el, name):
    for c in el:
        if local(c.tag).lower() == name.lower():
            return c
    return None


class Fake:
    """The fake as a subprocess; waits for its port file (polling, no fixed sleep)."""

    def __init__(self, *extra, tls=None, log=True):
        self.dir = tempfile.mkdtemp(prefix="fake-sc-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.log_path = os.path.join(self.dir, "requests.jsonl") if log else None
        self.stdout = open(os.path.join(self.dir, "stdout"), "w+b")
        self.stderr = open(os.path.join(self.dir, "stderr"), "w+b")
        cmd = [PYTHON, FAKE, "--port-file", self.port_file, "--user", USER,
               "--hash", HASH] + list(extra)
        if self.log_path:
            cmd += ["--request-log", self.log_path]
        self.tls = tls
        if tls:
            cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.proc = subprocess.Popen(cmd, stdout=self.stdout, stderr=self.stderr)
        deadline = time.monotonic() + 15
        self.port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("fake exited early: %s" % self.read_output())
            try:
                with open(self.port_file) as f:
                    self.port = int(f.read().strip())
                break
            except (FileNotFoundError, ValueError):
                time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise RuntimeError("fake did not write its port file")

    def read_output(self):
        out = b""
        for f in (self.stdout, self.stderr):
            f.flush()
            f.seek(0)
            out += f.read()
        return out.decode("utf-8", "replace")

    def log_entries(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return []
        with open(self.log_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        rc = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        else:
            rc = self.proc.returncode
        return rc

    def cleanup(self):
        self.stop()
        self.stdout.close()
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- client helpers ----
    def conn(self):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls[0])
            return http.client.HTTPSConnection("localhost", self.port, timeout=10,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def request(self, method, path, body=b"", headers=None, conn=None):
        own = conn is None
        conn = conn or self.conn()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp, data
        finally:
            if own:
                conn.close()

    def soap_raw(self, op, params, version="1.1", user=USER, password=PASSWORD,
                 action=None, conn=None, content_type=None, user_element="username"):
        inner = "".join("<%s>%s</%s>" % (k, escape(str(v)), k)
                        for k, v in [(user_element, user), ("password", password)]
                        + list(params))
        body = ('<?xml version="1.0" encoding="utf-8"?>'
                '<s:Envelope xmlns:s="%s"><s:Body><%s xmlns="%s">%s</%s>'
                '</s:Body></s:Envelope>' % (NS[version], op, OS_NS, inner, op))
        act = action if action is not None else "%s/%s" % (OS_NS, op)
        if version == "1.1":
            headers = {"Content-Type": content_type or "text/xml; charset=utf-8",
                       "SOAPAction": '"%s"' % act}
        else:
            headers = {"Content-Type": content_type or
                       'application/soap+xml; charset=utf-8; action="%s"' % act}
        return self.request("POST", SOAP_PATH, body.encode("utf-8"), headers, conn)

    def soap(self, op, params=(), version="1.1", **kw):
        status, resp, data = self.soap_raw(op, params, version, **kw)
        if status != 200:
            raise AssertionError("SOAP %s -> HTTP %d: %r" % (op, status, data[:300]))
        root = ET.fromstring(data)
        assert root.tag == "{%s}Envelope" % NS[version], root.tag
        body = child(root, "Body")
        response = body[0]
        assert local(response.tag) == op + "Response", response.tag
        return resp, response

    def modules_get(self, version="1.1"):
        _, response = self.soap("Modules_Get", version=version)
        result = child(response, "Modules_GetResult")
        return [{local(c.tag): (c.text or "") for c in item} for item in result]

    def get_messages(self, pid, after, version="1.1"):
        return self.get_messages_raw([("publishId", pid), ("afterMessageId", after)], version)

    def get_messages_raw(self, params, version="1.1"):
        _, response = self.soap("SolutionPack_GetPublishMessages", params, version=version)
        result = child(response, "SolutionPack_GetPublishMessagesResult")
        msgs = [{local(c.tag): (c.text or "") for c in item} for item in result]
        last = int(child(response, "lastMessageId").text)
        finished = child(response, "finished").text == "true"
        return msgs, last, finished

    def publish_raw(self, doc, user=USER, password=PASSWORD, auth=True,
                    path=REST_PATH, raw=None):
        headers = {"Content-Type": "application/json"}
        if auth:
            token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
            headers["Authorization"] = "Basic " + token
        body = raw if raw is not None else json.dumps(doc).encode()
        return self.request("POST", path, body, headers)

    def publish(self, modules):
        doc = {"ModulesToPublish": [{"REST_Module": {"Name": m["Name"], "Key": m["Key"],
                                                     "Kind": m["Kind"]}}
                                    for m in modules],
               "ApplicationsToUpdate": []}
        status, resp, data = self.publish_raw(doc)
        if status != 200:
            raise AssertionError("publish -> HTTP %d: %r" % (status, data))
        return json.loads(data)["publishId"]

    def poll_all(self, pid, limit=50):
        """Polls like the client: returns (messages, number of polls)."""
        after, got, polls = 0, [], 0
        while True:
            polls += 1
            if polls > limit:
                raise AssertionError("publish never finished")
            msgs, last, finished = self.get_messages(pid, after)
            got += msgs
            if msgs:
                assert last == int(msgs[-1]["Id"]), (last, msgs)
            else:
                assert last == after
            after = last
            if finished:
                return got, polls


class FakeCase(unittest.TestCase):
    ARGS = ()
    TLS = False
    fake = None

    @classmethod
    def setUpClass(cls):
        tls = None
        if cls.TLS:
            cls.certdir = tempfile.mkdtemp(prefix="fake-sc-cert-")
            cert = os.path.join(cls.certdir, "cert.pem")
            key = os.path.join(cls.certdir, "key.pem")
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                 "-days", "2", "-keyout", key, "-out", cert],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            tls = (cert, key)
        cls.fake = Fake(*cls.ARGS, tls=tls)

    @classmethod
    def tearDownClass(cls):
        if cls.fake:
            cls.fake.cleanup()
        if cls.TLS:
            shutil.rmtree(cls.certdir, ignore_errors=True)


class OkModeTest(FakeCase):
    ARGS = ("--modules", "7", "--polls", "3")

    def test_modules_get_soap11(self):
        resp, _ = self.fake.soap("Modules_Get")
        self.assertTrue(resp.getheader("Content-Type").startswith("text/xml"))
        mods = self.fake.modules_get("1.1")
        self.assertEqual([m["Name"] for m in mods], ["Module%d" % i for i in range(1, 8)])
        self.assertEqual([m["Kind"] for m in mods],
                         ["eSpace", "eSpace", "Extension"] * 2 + ["eSpace"])
        keys = [m["Key"] for m in mods]
        self.assertEqual(len(set(keys)), 7)
        for k in keys:
            uuid.UUID(k)
        self.assertTrue(all("StatusMessages" in m for m in mods))

    def test_modules_get_soap12(self):
        resp, _ = self.fake.soap("Modules_Get", version="1.2")
        self.assertTrue(resp.getheader("Content-Type").startswith("application/soap+xml"))
        self.assertEqual(self.fake.modules_get("1.2"), self.fake.modules_get("1.1"))

    def test_keys_deterministic(self):
        other = Fake("--modules", "3", log=False)
        try:
            self.assertEqual([m["Key"] for m in other.modules_get()],
                             [m["Key"] for m in self.fake.modules_get()[:3]])
        finally:
            other.cleanup()

    def test_keep_alive(self):
        conn = self.fake.conn()
        try:
            for _ in range(3):
                status, _, _ = self.fake.soap_raw("Modules_Get", (), conn=conn)
                self.assertEqual(status, 200)
        finally:
            conn.close()

    def test_publish_and_poll(self):
        mods = self.fake.modules_get()
        pid = self.fake.publish(mods)
        self.assertIsInstance(pid, int)
        got, polls = self.fake.poll_all(pid)
        self.assertEqual(polls, 3)
        self.assertEqual([int(m["Id"]) for m in got], list(range(1, 16)))  # 2*7+1
        self.assertTrue(all(m["Type"] == "Info" for m in got))
        self.assertEqual(got[0]["Message"], "Publishing Module1")
        self.assertIn("Module7 published successfully", [m["Message"] for m in got])
        self.assertEqual(got[-1]["Message"], "Publish finished")
        # After finishing: nothing new, still finished, lastMessageId = afterMessageId.
        msgs, last, finished = self.fake.get_messages(pid, 15, version="1.2")
        self.assertEqual((msgs, last, finished), ([], 15, True))

    def test_subset_and_fresh_ids(self):
        mods = self.fake.modules_get()
        a = self.fake.publish(mods[:2])
        b = self.fake.publish(mods[4:5])
        self.assertNotEqual(a, b)
        got, _ = self.fake.poll_all(b)
        self.assertEqual([m["Message"] for m in got],
                         ["Publishing Module5", "Module5 published successfully",
                          "Publish finished"])
        got, _ = self.fake.poll_all(a)
        self.assertEqual(len(got), 5)

    def test_repoll_from_zero(self):
        pid = self.fake.publish(self.fake.modules_get())
        first, last, finished = self.fake.get_messages(pid, 0)
        self.assertFalse(finished)
        self.assertEqual(len(first), 5)          # ceil(15 * 1/3)
        again, last2, _ = self.fake.get_messages(pid, 0)
        self.assertEqual([m["Id"] for m in again][:5], [m["Id"] for m in first])
        self.assertEqual(last2, 10)
        rest, last3, finished = self.fake.get_messages(pid, last2)
        self.assertEqual((len(rest), last3, finished), (5, 15, True))

    def test_abort(self):
        pid = self.fake.publish(self.fake.modules_get())
        msgs, last, finished = self.fake.get_messages(pid, 0)
        self.assertTrue(msgs)
        self.assertFalse(finished)
        _, response = self.fake.soap("SolutionPack_PublishAbort", [("publishId", pid)])
        self.assertEqual(len(response), 0)
        self.assertEqual(self.fake.get_messages(pid, last), ([], last, True))
        self.assertEqual(self.fake.get_messages(pid, last, "1.2"), ([], last, True))

    def test_soap_unauthorized(self):
        for version in ("1.1", "1.2"):
            for user, pw in ((USER, "#wrong"), (USER, HASH), ("other", PASSWORD),
                             (USER, "")):
                status, resp, data = self.fake.soap_raw("Modules_Get", (), version,
                                                        user=user, password=pw)
                self.assertEqual(status, 401, (version, user))
                self.assertNotIn(HASH.encode(), data)

    def test_soap_fault_unknown_op(self):
        status, resp, data = self.fake.soap_raw("Modules_Delete", ())
        self.assertEqual(status, 500)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/xml"))
        fault = child(child(ET.fromstring(data), "Body"), "Fault")
        self.assertEqual(child(fault, "faultcode").text, "soap:Client")
        self.assertIn("Modules_Delete", child(fault, "faultstring").text)

        status, resp, data = self.fake.soap_raw("Modules_Delete", (), "1.2")
        self.assertEqual(status, 500)
        self.assertTrue(resp.getheader("Content-Type").startswith("application/soap+xml"))
        root = ET.fromstring(data)
        self.assertEqual(root.tag, "{%s}Envelope" % NS["1.2"])
        fault = child(child(root, "Body"), "Fault")
        self.assertIsNotNone(child(child(fault, "Code"), "Value"))
        self.assertIn("Modules_Delete", child(child(fault, "Reason"), "Text").text)

    def test_soap_fault_bad_requests(self):
        status, _, data = self.fake.request(
            "POST", SOAP_PATH, b"<s:Envelope><oops", {"Content-Type": "text/xml",
                                                      "SOAPAction": '""'})
        self.assertEqual(status, 500)
        self.assertEqual(local(child(ET.fromstring(data), "Body")[0].tag), "Fault")
        # SOAPAction naming another operation.
        status, _, _ = self.fake.soap_raw("Modules_Get", (),
                                          action=OS_NS + "/SolutionPack_PublishAbort")
        self.assertEqual(status, 500)
        # SOAP 1.2 envelope sent as text/xml.
        status, _, _ = self.fake.soap_raw("Modules_Get", (), "1.2",
                                          content_type="text/xml; charset=utf-8")
        self.assertEqual(status, 500)
        # Bad integer parameters, unknown publish.
        for params in ([("publishId", "x"), ("afterMessageId", 0)],
                       [("publishId", 999999), ("afterMessageId", 0)]):
            status, _, _ = self.fake.soap_raw("SolutionPack_GetPublishMessages", params)
            self.assertEqual(status, 500, params)

    def test_unknown_elements_are_ignored_and_become_zero(self):
        # Like ASP.NET: a missing or misnamed publishId is 0, and publication 0 is an
        # empty, finished list; its abort "succeeds".
        for params in ([], [("PublishID", 42), ("afterMessageId", 0)]):
            msgs, last, finished = self.fake.get_messages_raw(params)
            self.assertEqual((msgs, finished), ([], True), params)
        _, response = self.fake.soap("SolutionPack_PublishAbort", [("publish_id", 42)])
        self.assertEqual(len(response), 0)
        entries = [e for e in self.fake.log_entries()
                   if e["op"] == "SolutionPack_PublishAbort"]
        self.assertEqual(entries[-1]["publishId"], 0)
        # A misnamed user is "": refused.
        status, _, _ = self.fake.soap_raw("Modules_Get", (), user_element="UserName")
        self.assertEqual(status, 401)

    def test_rest_unauthorized(self):
        mods = self.fake.modules_get()
        doc = {"ModulesToPublish": [{"REST_Module": mods[0]}], "ApplicationsToUpdate": []}
        for kw in ({"auth": False}, {"password": "#nope"}, {"password": HASH},
                   {"user": "someone"}):
            status, resp, data = self.fake.publish_raw(doc, **kw)
            self.assertEqual(status, 401, kw)
            self.assertEqual(resp.getheader("WWW-Authenticate"),
                             'Basic realm="ServiceCenter"')

    def test_rest_bad_requests(self):
        status, _, _ = self.fake.publish_raw(None, raw=b"not json")
        self.assertEqual(status, 400)
        status, _, _ = self.fake.publish_raw({"ApplicationsToUpdate": []})
        self.assertEqual(status, 400)
        status, _, data = self.fake.publish_raw(
            {"ModulesToPublish": [{"REST_Module": {"Name": "Ghost", "Key": "k",
                                                   "Kind": "eSpace"}}],
             "ApplicationsToUpdate": []})
        self.assertEqual(status, 400)
        self.assertIn(b"Ghost", data)

    def test_request_log(self):
        pid = self.fake.publish(self.fake.modules_get()[:2])
        self.fake.poll_all(pid)
        self.fake.soap_raw("Modules_Get", (), "1.2", password="#bad")
        entries = self.fake.log_entries()
        pub = [e for e in entries if e["op"] == "Staging_PublishWith2StepOption"
               and e.get("publishId") == pid]
        self.assertEqual(len(pub), 1)
        self.assertEqual(pub[0]["modules"], ["Module1", "Module2"])
        self.assertIsNone(pub[0]["soap"])
        self.assertTrue(pub[0]["auth_ok"])
        polls = [e for e in entries if e["op"] == "SolutionPack_GetPublishMessages"
                 and e["publishId"] == pid]
        self.assertEqual([e["afterMessageId"] for e in polls][0], 0)
        self.assertTrue(all(e["soap"] == "1.1" for e in polls))
        self.assertTrue(any(e["op"] == "Modules_Get" and e["soap"] == "1.2"
                            and e["auth_ok"] is False for e in entries))
        for e in entries:
            for k in ("op", "soap", "modules", "publishId", "afterMessageId", "auth_ok"):
                self.assertIn(k, e)
        with open(self.fake.log_path, encoding="utf-8") as f:
            text = f.read()
        token = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        self.assertNotIn(HASH, text)
        self.assertNotIn(token, text)
        out = self.fake.read_output()
        self.assertNotIn(HASH, out)
        self.assertNotIn(token, out)


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


# ---- dialects -----------------------------------------------------------------------
sys.path.insert(0, HERE)
import fake_service_center as fsc  # noqa: E402  (the fake's own tables, for the fixtures)

FIXTURES = os.path.join(HERE, "..", "fixtures", "wsdl")
WSDL = "http://schemas.xmlsoap.org/wsdl/"
XSD = "http://www.w3.org/2001/XMLSchema"


class DialectClient:
    """Calls a dialect by the names its WSDL gives (as the agent does), by position."""

    def __init__(self, fake):
        self.fake = fake
        status, resp, data = fake.request("GET", SOAP_PATH + "?WSDL")
        assert status == 200, status
        self.wsdl = ET.fromstring(data)
        self.ns = self.wsdl.get("targetNamespace")
        schema = self.wsdl.find("{%s}types/{%s}schema" % (WSDL, XSD))
        self.inputs = {}
        for el in schema.findall("{%s}element" % XSD):
            seq = el.find("{%s}complexType/{%s}sequence" % (XSD, XSD))
            if seq is not None and not el.get("name").endswith("Response"):
                self.inputs[el.get("name")] = [e.get("name") for e in seq]
        self.bindings = {}
        for b in self.wsdl.findall("{%s}binding" % WSDL):
            for op in b.findall("{%s}operation" % WSDL):
                for v, ns in (("1.1", WSDL + "soap/"), ("1.2", WSDL + "soap12/")):
                    o = op.find("{%s}operation" % ns)
                    if o is not None:
                        self.bindings[(v, op.get("name"))] = o.get("soapAction")

    def call(self, op, values, version="1.1", action=None):
        names = self.inputs[op]
        inner = "".join("<%s>%s</%s>" % (n, escape(str(v)), n) for n, v in zip(names, values))
        body = ('<s:Envelope xmlns:s="%s"><s:Body><%s xmlns="%s">%s</%s></s:Body>'
                '</s:Envelope>' % (NS[version], op, self.ns, inner, op))
        act = action if action is not None else self.bindings.get((version, op), "")
        if version == "1.1":
            headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"%s"' % act}
        else:
            headers = {"Content-Type": 'application/soap+xml; charset=utf-8; action="%s"' % act}
        return self.fake.request("POST", SOAP_PATH, body.encode("utf-8"), headers)

    def ok(self, op, values, version="1.1"):
        status, _, data = self.call(op, values, version)
        if status != 200:
            raise AssertionError("%s -> HTTP %d: %r" % (op, status, data[:300]))
        return child(ET.fromstring(data), "Body")[0]


def leaves(el, path=""):
    """{path: text} of the elements without element children (a reply, flattened)."""
    out = {}
    for c in el:
        p = path + "/" + local(c.tag)
        if len(c):
            for k, v in leaves(c, p).items():
                out.setdefault(k, v)
        else:
            out[p] = c.text or ""
    return out


class DialectTestBase(FakeCase):
    DIALECT = "dotnet"
    VERSION = "1.1"

    @classmethod
    def setUpClass(cls):
        cls.ARGS = ("--dialect", cls.DIALECT)
        super().setUpClass()

    def test_wsdl_is_the_fixture(self):
        with open(os.path.join(FIXTURES, self.DIALECT + ".wsdl"), "rb") as f:
            fixture = f.read()
        self.assertEqual(fixture, fsc.wsdl(
            self.DIALECT,
            "http://dc01.corp.example.com/ServiceCenter/PlatformServices_v8_0_0.asmx"),
            "regenerate tests/fixtures/wsdl/%s.wsdl from the fake" % self.DIALECT)
        status, resp, data = self.fake.request("GET", SOAP_PATH + "?wsdl")
        self.assertEqual(status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/xml"))
        self.assertIn(b"127.0.0.1:%d/ServiceCenter/" % self.fake.port, data)
        self.assertEqual(self.fake.log_entries()[-1]["op"], "WSDL")

    def test_publish_and_poll_by_the_wsdls_names(self):
        c = DialectClient(self.fake)
        spec = fsc.DIALECTS[self.DIALECT]
        mods = c.ok("Modules_Get", [USER, PASSWORD], self.VERSION)
        items = list(mods.iter("{%s}%s" % (c.ns, spec["modules"]["item"])))
        self.assertEqual(len(items), 5)
        pid = self.fake.publish([{local(x.tag): x.text for x in item if not len(x)}
                                 for item in items[:2]])
        after, got = 0, []
        for _ in range(10):
            page = leaves(c.ok("SolutionPack_GetPublishMessages",
                               [USER, PASSWORD, pid, after], self.VERSION))
            msgs = [v for k, v in page.items() if k.endswith("/Id")]
            got += msgs
            after = int(page["/" + "/".join(spec["messages"]["last"])])
            if page["/" + "/".join(spec["messages"]["finished"])] == "true":
                break
        self.assertEqual(after, 5)
        entries = [e for e in self.fake.log_entries()
                   if e["op"] == "SolutionPack_GetPublishMessages" and e["auth_ok"]]
        self.assertTrue(entries)
        self.assertTrue(all(e["publishId"] == pid for e in entries))
        c.ok("SolutionPack_PublishAbort", [USER, PASSWORD, pid], self.VERSION)
        self.assertEqual(self.fake.log_entries()[-1]["publishId"], pid)

    def test_a_wrong_action_is_a_fault(self):
        c = DialectClient(self.fake)
        status, _, data = c.call("Modules_Get", [USER, PASSWORD], self.VERSION,
                                 action="http://example.com/Modules_Get")
        self.assertEqual(status, 500)
        self.assertIn(b"SOAPAction", data)


class DotnetDialectTest(DialectTestBase):
    DIALECT = "dotnet"


class OutSystemsDialectTest(DialectTestBase):
    DIALECT = "outsystems"

    def test_conventional_names_fail_loudly_or_silently(self):
        # Today's conventions against this dialect: the action is refused...
        status, _, _ = self.fake.soap_raw("Modules_Get", ())
        self.assertEqual(status, 500)
        # ...and with the right action, conventional element names are ignored: user ""
        # (401), or publication 0 (an empty, finished list).
        c = DialectClient(self.fake)
        act = c.bindings[("1.1", "Modules_Get")]
        status, _, _ = self.fake.soap_raw("Modules_Get", (), action=act)
        self.assertEqual(status, 401)
        act = c.bindings[("1.1", "SolutionPack_GetPublishMessages")]
        status, _, data = self.fake.soap_raw(
            "SolutionPack_GetPublishMessages", [("publishId", 42), ("afterMessageId", 0)],
            action=act, user_element="UserName", password=PASSWORD)
        self.assertEqual(status, 401)   # "password" is not "Password" either


class Soap12DialectTest(DialectTestBase):
    DIALECT = "soap12"
    VERSION = "1.2"

    def test_soap11_is_a_fault(self):
        c = DialectClient(self.fake)
        status, _, data = c.call("Modules_Get", [USER, PASSWORD], "1.1",
                                 action=c.bindings[("1.2", "Modules_Get")])
        self.assertEqual(status, 500)
        self.assertIn(b"SOAP 1.1", data)


class NoWsdlTest(FakeCase):
    ARGS = ("--no-wsdl",)

    def test_wsdl_is_404_and_soap_still_works(self):
        status, _, _ = self.fake.request("GET", SOAP_PATH + "?WSDL")
        self.assertEqual(status, 404)
        self.assertEqual(len(self.fake.modules_get()), 5)


class RefusedPublishTest(unittest.TestCase):
    def test_refusals_wrapped_and_bare(self):
        for mode in ("refused", "refused-bare"):
            fake = Fake("--mode", mode)
            try:
                mods = fake.modules_get()
                doc = {"ModulesToPublish": [{"REST_Module": mods[0]}],
                       "ApplicationsToUpdate": []}
                status, _, data = fake.publish_raw(doc)
                self.assertEqual(status, 200)
                answer = json.loads(data)
                self.assertEqual(answer.get("publishId"), 0 if mode == "refused" else None)
                first = answer["Messages"][0]
                if mode == "refused":
                    first = first["REST_PublicationMessage"]
                self.assertIn("Module3", first["Message"])
                self.assertTrue(first["Detail"])
                self.assertEqual(fake.log_entries()[-1]["publishId"], 0)
            finally:
                fake.cleanup()


if __name__ == "__main__":
    unittest.main()
