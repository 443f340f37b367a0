"""The fake's dialects as a client sees them through their WSDLs (and the WSDL
fixtures), --no-wsdl, and refused publishes."""

import json
import os
import unittest
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from fake_sc import dialects as fsc  # the fake's own tables, for the fixtures

from .harness import HERE, NS, PASSWORD, SOAP_PATH, USER, Fake, FakeCase, child, local

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
