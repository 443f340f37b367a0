"""The self-test's harness: the fake as a subprocess (Fake), its client calls (SOAP,
REST, polling like the agent) and the test case that starts one fake per class
(FakeCase)."""

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
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # tests/fakes
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
