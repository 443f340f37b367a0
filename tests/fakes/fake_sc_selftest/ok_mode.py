"""Mode ok of the fake: Modules_Get, publish and poll, abort, faults and strictness,
REST checks, the request log."""

import base64
import uuid
import xml.etree.ElementTree as ET

from .harness import HASH, NS, OS_NS, PASSWORD, SOAP_PATH, USER, Fake, FakeCase, child, local


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
