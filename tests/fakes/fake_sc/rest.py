"""The REST side of the fake Service Center: Staging_PublishWith2StepOption (a mixin of
server.Handler, which gives it state, headers, path, send and pending_log).

Where this behaviour comes from (public evidence), and where the fake guesses:
  * A refused publish (--mode refused / refused-bare): the REST answer is 200 with
    publishId 0 and Messages[].REST_PublicationMessage.{Message,Detail} (the shape the
    platform's REST types suggest), or (refused-bare) no publishId and bare
    {Message,Detail} items; the status code of a real refusal is unknown: 200 is the
    least forgiving.

Wire details:
  * REST: missing/wrong Basic credentials -> 401 + WWW-Authenticate; Content-Type
    not application/json -> 415; StagingName missing or TwoStepMode not "false" ->
    400; body not JSON, without a non-empty ModulesToPublish list, a module without
    Name, an unknown module name, or a Key/Kind not matching Modules_Get -> 400
    (text naming the problem). JSON keys of the request are matched
    case-insensitively. Success: 200 {"publishId": <fresh integer, from 42 on>}.
"""

import base64
import binascii
import json
from urllib.parse import parse_qs, urlsplit

from .wire import parse_content_type

REST_OP = "Staging_PublishWith2StepOption"
REFUSAL = [("Module3 cannot be published: it references Module9, which does not exist",
            "Fix the references of Module3 in Service Studio and publish again."),
           ("The publication was not started", "")]


def refusal(mode):
    """A refused publish: publishId 0 and Messages wrapped as REST_PublicationMessage
    (refused), or no publishId and bare messages (refused-bare)."""
    if mode == "refused":
        return {"publishId": 0,
                "Messages": [{"REST_PublicationMessage": {"Message": m, "Detail": d}}
                             for m, d in REFUSAL]}
    return {"Messages": [{"Message": m, "Detail": d} for m, d in REFUSAL]}


class RestHandler:
    """The REST requests of Handler."""

    def basic_ok(self):
        value = self.headers.get("Authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "basic" or not token.strip():
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return False
        user, sep, password = decoded.partition(":")
        if not sep:
            return False
        return self.state.credentials_ok(user, password)

    def handle_rest(self, raw):
        entry = {"op": REST_OP, "soap": None, "modules": None, "publishId": None,
                 "afterMessageId": None, "auth_ok": False, "status": None, "flagged": None}
        status, body, ctype, extra = 500, b"", "text/plain; charset=utf-8", []
        try:
            auth_ok = self.basic_ok()
            entry["auth_ok"] = auth_ok
            if not auth_ok:
                status = 401
                body = (b"401 - Unauthorized: Access is denied due to invalid "
                        b"credentials.")
                extra = [("WWW-Authenticate", 'Basic realm="ServiceCenter"')]
                return
            mime, _ = parse_content_type(self.headers.get("Content-Type"))
            if mime != "application/json":
                status, body = 415, b"Content-Type must be application/json."
                return
            query = {k.lower(): v for k, v in
                     parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}
            if not query.get("stagingname", [""])[0]:
                status, body = 400, b"Missing query parameter StagingName."
                return
            if query.get("twostepmode", [""])[0].lower() != "false":
                status, body = 400, b"Query parameter TwoStepMode must be false."
                return
            problem, names = self.parse_publish(raw)
            if problem:
                status, body = 400, problem.encode("utf-8")
                return
            entry["modules"] = names
            if self.state.mode == "malformed-json":
                status, body, ctype = 200, b'{"publishId": ', "application/json; charset=utf-8"
                return
            status, ctype = 200, "application/json; charset=utf-8"
            if self.state.mode in ("refused", "refused-bare"):
                body = json.dumps(refusal(self.state.mode)).encode("utf-8")
                entry["publishId"] = 0
                return
            pid = self.state.new_publish(names)
            entry["publishId"] = pid
            body = json.dumps({"publishId": pid}).encode("utf-8")
        finally:
            self.pending_log = entry
            self.send(status, body, ctype, extra)

    def parse_publish(self, raw):
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return "Request body is not valid JSON.", None
        if not isinstance(doc, dict):
            return "Request body must be a JSON object.", None
        ci = {k.lower(): v for k, v in doc.items()}
        mods = ci.get("modulestopublish")
        if not isinstance(mods, list) or not mods:
            return "ModulesToPublish is missing or empty.", None
        names = []
        for item in mods:
            if not isinstance(item, dict):
                return "ModulesToPublish items must be objects.", None
            item = {k.lower(): v for k, v in item.items()}
            mod = item.get("rest_module")
            if not isinstance(mod, dict):
                return "ModulesToPublish item without REST_Module.", None
            mod = {k.lower(): v for k, v in mod.items()}
            name = mod.get("name")
            if not isinstance(name, str) or not name:
                return "REST_Module without Name.", None
            known = self.state.by_name.get(name)
            if known is None:
                return "Unknown module '%s'." % name, None
            key = mod.get("key")
            if key is not None and str(key).lower() != known["Key"].lower():
                return "Module '%s': Key does not match." % name, None
            kind = mod.get("kind")
            if kind is not None and str(kind) != known["Kind"]:
                return "Module '%s': Kind does not match." % name, None
            names.append(name)
        apps = ci.get("applicationstoupdate", [])
        if not isinstance(apps, list):
            return "ApplicationsToUpdate must be a list.", None
        return None, names
