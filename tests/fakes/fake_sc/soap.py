"""The SOAP side of the fake Service Center: envelopes, faults, and the handler of
Modules_Get, SolutionPack_GetPublishMessages and SolutionPack_PublishAbort (a mixin of
server.Handler, which gives it state, headers, send and send_401).

Where this behaviour comes from (public evidence), and where the fake guesses:
  * Strictness, like ASP.NET (the real behaviour of Service Center is unknown, so the
    least forgiving plausible one): a SOAPAction (1.1, required) or action= (1.2) that
    is not the dialect's exactly is a Client/Sender fault; a body element of another name
    or namespace is a fault; inputs are read by exact name in the service's namespace and
    unknown ones are ignored, so a wrong name becomes user "" (401) or publication 0;
    publication 0 answers an empty, finished list and its abort succeeds silently (the
    silent failure a client must not fall into); a non-numeric id is a fault; an unknown
    non-zero id is a fault.
  * Modules_Get items are <CS_Module> (the type OutSystems.SetupTools'
    Get-OSPlatformModules returns) with Name, Key, Kind and StatusMessages, each a
    <StatusMessage><Id>6</Id><Message>text</Message></StatusMessage> (SetupTools filters
    on StatusMessages.Id; the item and text element names are not published); the ids
    they carry: state.py (Apply Settings).

Wire details:
  * The SOAP operation is the one the SOAPAction header (1.1) or the action= parameter
    of the Content-Type (1.2; without it, the Body's first element) names, in the
    dialect's action scheme; the Body's first element must be that operation in the
    dialect's namespace. The SOAP version is the envelope namespace; the Content-Type
    must agree with it (text/xml for 1.1, application/soap+xml for 1.2) and the dialect
    must bind it; otherwise: 500 + SOAP Fault (Client/Sender). The answer uses the
    version of the request.
  * Wrong/missing SOAP credentials: 401, text/plain body. Unknown operation,
    unparsable XML, non-integer parameter, unknown non-zero publishId: 500 + Fault.
"""

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from .dialects import DIALECTS, INPUT_COUNT, SOAP_OPS, nest
from .state import SoapError
from .wire import local, namespace, parse_content_type, strip_quotes

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"


def envelope(version, body_xml):
    if version == "1.2":
        prefix, ns = "soap12", SOAP12_NS
    else:
        prefix, ns = "soap", SOAP11_NS
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<{p}:Envelope xmlns:{p}="{ns}" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
            '<{p}:Body>{body}</{p}:Body></{p}:Envelope>'
            ).format(p=prefix, ns=ns, body=body_xml).encode("utf-8")


def fault(version, text):
    text = escape(text)
    if version == "1.2":
        body = ('<soap12:Fault><soap12:Code><soap12:Value>soap12:Sender</soap12:Value>'
                '</soap12:Code><soap12:Reason><soap12:Text xml:lang="en">%s</soap12:Text>'
                '</soap12:Reason><soap12:Detail /></soap12:Fault>' % text)
    else:
        body = ('<soap:Fault><faultcode>soap:Client</faultcode>'
                '<faultstring>%s</faultstring><detail /></soap:Fault>' % text)
    return envelope(version, body)


def soap_content_type(version):
    if version == "1.2":
        return "application/soap+xml; charset=utf-8"
    return "text/xml; charset=utf-8"


class SoapHandler:
    """The SOAP requests of Handler."""

    def handle_soap(self, raw):
        dialect = DIALECTS[self.state.args.dialect]
        mime, ct_params = parse_content_type(self.headers.get("Content-Type"))
        version = "1.2" if mime == "application/soap+xml" else (
            "1.1" if mime == "text/xml" else None)
        entry = {"op": None, "soap": version, "modules": None, "publishId": None,
                 "afterMessageId": None, "auth_ok": False, "status": None, "flagged": None}
        self.pending_log = entry
        try:
            try:
                root = ET.fromstring(raw)
            except ET.ParseError:
                raise SoapError("Server was unable to read request: the request "
                                "body is not well-formed XML.")
            if local(root.tag) != "Envelope" or namespace(root.tag) not in (
                    SOAP11_NS, SOAP12_NS):
                raise SoapError("Server was unable to read request: the root "
                                "element is not a SOAP Envelope.")
            env_version = "1.1" if namespace(root.tag) == SOAP11_NS else "1.2"
            entry["soap"] = env_version
            if version != env_version:
                version = env_version
                raise SoapError("Content-Type '%s' does not match the SOAP %s envelope."
                                % (mime or "(missing)", env_version))
            if version not in dialect["versions"]:
                raise SoapError("Possible SOAP version mismatch: this service has no SOAP "
                                "%s binding." % version)
            body_el = next((c for c in root if local(c.tag) == "Body"), None)
            if body_el is None:
                raise SoapError("Server was unable to read request: no SOAP Body.")
            op_el = next((c for c in body_el if isinstance(c.tag, str)), None)
            if op_el is None:
                raise SoapError("Server was unable to read request: empty SOAP Body.")
            op = self.route(dialect, version, ct_params, op_el)
            entry["op"] = op
            # Like ASP.NET's XmlSerializer: inputs by exact name in the service's
            # namespace; anything else is ignored, a missing string is "" and a
            # missing int is 0.
            names = dialect["inputs"][:INPUT_COUNT[op]]
            params = {}
            for c in op_el:
                if (isinstance(c.tag, str) and namespace(c.tag) == dialect["ns"]
                        and local(c.tag) in names):
                    params.setdefault(local(c.tag), c.text or "")
            auth_ok = self.state.credentials_ok(params.get(names[0], ""),
                                                params.get(names[1], ""))
            entry["auth_ok"] = auth_ok
            for key, name in zip(("publishId", "afterMessageId"), names[2:]):
                entry[key] = self.int_param(params, name)
            if not auth_ok:
                self.send_401()
                return
            if op == "Modules_Get":
                xml, entry["flagged"] = self.modules_get(dialect)
            elif op == "SolutionPack_GetPublishMessages":
                xml = self.get_publish_messages(dialect, entry["publishId"],
                                                entry["afterMessageId"])
            else:
                self.state.abort(entry["publishId"])
                xml = '<SolutionPack_PublishAbortResponse xmlns="%s" />' % dialect["ns"]
            answer = envelope(version, xml)
            if self.state.mode == "malformed-xml":
                answer = answer[:60]
            self.send(200, answer, soap_content_type(version))
        except SoapError as e:
            if self.state.mode == "unauthorized":
                self.send_401()
                return
            self.send(500, fault(version or "1.1", str(e)),
                      soap_content_type(version or "1.1"))
        finally:
            if self.pending_log is not None:     # unexpected error: still log it
                self.pending_log = None
                self.state.log(entry)

    def route(self, dialect, version, ct_params, op_el):
        """The operation: by SOAPAction (1.1, required) or action= (1.2, else the body
        element), which must be this dialect's exactly; the body element must agree."""
        action = (strip_quotes(self.headers.get("SOAPAction") or "")
                  if version == "1.1" else ct_params.get("action", ""))
        if version == "1.1" and not action:
            raise SoapError("Missing SOAPAction header.")
        by_action = {dialect["action"](op): op for op in SOAP_OPS}
        if action and action not in by_action:
            raise SoapError("Server did not recognize the value of HTTP Header SOAPAction: "
                            "%s." % action)
        op = by_action.get(action) or local(op_el.tag)
        if op not in SOAP_OPS:
            raise SoapError("Server did not recognize the operation '%s'." % local(op_el.tag))
        if local(op_el.tag) != op or namespace(op_el.tag) != dialect["ns"]:
            raise SoapError("Server was unable to read request: <%s xmlns='%s'> was not "
                            "expected." % (local(op_el.tag), namespace(op_el.tag)))
        return op

    def int_param(self, params, name):
        value = params.get(name)
        if value is None:
            return 0
        try:
            return int(value.strip())
        except ValueError:
            raise SoapError("There is an error in XML document: '%s' is not a valid value "
                            "for %s." % (value, name))

    def modules_get(self, dialect):
        """The Modules_GetResponse XML and the NAME:ID flags it carries."""
        items, flagged = [], []
        m = dialect["modules"]
        for mod in self.state.modules:
            statuses = self.state.status_messages(mod["Name"])
            flagged += ["%s:%d" % (mod["Name"], i) for i, _ in statuses]
            inner = "".join("<StatusMessage><Id>%d</Id><Message>%s</Message></StatusMessage>"
                            % (i, escape(text)) for i, text in statuses)
            items.append(
                "<%s><Name>%s</Name><Key>%s</Key><Kind>%s</Kind>%s</%s>"
                % (m["item"], escape(mod["Name"]), escape(mod["Key"]), escape(mod["Kind"]),
                   "<StatusMessages>%s</StatusMessages>" % inner if inner
                   else "<StatusMessages />", m["item"]))
        return ('<Modules_GetResponse xmlns="%s">%s</Modules_GetResponse>'
                % (dialect["ns"], nest([(m["list"], "".join(items))])), flagged)

    def get_publish_messages(self, dialect, pid, after):
        msgs, last, finished = self.state.poll(pid, after)
        g = dialect["messages"]
        items = "".join(
            "<%s><Id>%d</Id><Type>%s</Type><Message>%s</Message><Detail>%s</Detail></%s>"
            % (g["item"], m["Id"], m["Type"], escape(m["Message"]), escape(m["Detail"]),
               g["item"]) for m in msgs)
        return ('<SolutionPack_GetPublishMessagesResponse xmlns="%s">%s'
                '</SolutionPack_GetPublishMessagesResponse>'
                % (dialect["ns"], nest([(g["list"], items), (g["last"], str(last)),
                                        (g["finished"], "true" if finished else "false")])))
