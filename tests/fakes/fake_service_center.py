#!/usr/bin/python3
"""Fake OutSystems 11 Service Center for the osfleet Service Center phase.

Standard library only. Serves, on 127.0.0.1 and an ephemeral port:

  WSDL            GET  /ServiceCenter/PlatformServices_v8_0_0.asmx?WSDL   (404: --no-wsdl)
  SOAP            POST /ServiceCenter/PlatformServices_v8_0_0.asmx
      Modules_Get(user, password)
      SolutionPack_GetPublishMessages(user, password, publish id, after message id)
      SolutionPack_PublishAbort(user, password, publish id)
  REST            POST /ServiceCenter/rest/PlatformServices/Staging_PublishWith2StepOption
                       ?StagingName=NAME&TwoStepMode=false   (HTTP Basic user:#hash)

Usage:
  fake_service_center.py --port-file FILE --user USER --hash ENCRYPTED
      [--mode ok|warnings|errors|slow|unauthorized|malformed-xml|malformed-json|
              refused|refused-bare|endless [--messages-per-poll N]]
      [--dialect dotnet|outsystems|soap12] [--no-wsdl]
      [--modules N] [--polls N] [--tls-cert PEM --tls-key PEM] [--request-log FILE]
      [--settings-applied-file FILE [--flag-after-settings NAME:ID[,NAME:ID...]]
       [--unavailable-after-settings N]]

Where each behaviour comes from (public evidence), and where the fake guesses:
  * The WSDL at ...asmx?WSDL, and calls by position: OutSystems.SetupTools builds its
    client with New-WebServiceProxy on that URL and calls Modules_Get(user, password)
    and SolutionPack_GetPublishMessages(user, password, publishId, afterMessageId,
    [ref] lastMessageId, [ref] finished) by position; the element names are not
    published anywhere else. The WSDL's shape (wsdl:types/s:schema with
    elementFormDefault="qualified", ArrayOfX complex types, Soap/Soap12/HttpGet
    bindings, soap:operation soapAction, soap:address location built from the request's
    Host) is ASP.NET's for an .asmx service.
  * Dialects (--dialect), each described by its own WSDL: see DIALECTS below. dotnet is
    ASP.NET's shape for a return value plus out parameters (<Op>Result beside
    lastMessageId/finished); outsystems is what OutSystems-built SOAP services answer
    (outputs named after parameters, no Result element: seen in captured replies,
    PlatformServices_v8_0_0 included); its PascalCase inputs (UserName, Password,
    PublishId, AfterId) and its action scheme (<ns>/PlatformServices_v8_0_0/<Op>) are
    this fake's choice: the real names are unknown, so they differ from every convention
    on purpose. soap12 (no 1.1 binding, the page wrapped in one Result structure) is a
    plausible variant, not an observed one.
  * Strictness, like ASP.NET (the real behaviour of Service Center is unknown, so the
    least forgiving plausible one): a SOAPAction (1.1, required) or action= (1.2) that
    is not the dialect's exactly is a Client/Sender fault; a body element of another name
    or namespace is a fault; inputs are read by exact name in the service's namespace and
    unknown ones are ignored, so a wrong name becomes user "" (401) or publication 0;
    publication 0 answers an empty, finished list and its abort succeeds silently (the
    silent failure a client must not fall into); a non-numeric id is a fault; an unknown
    non-zero id is a fault.
  * A refused publish (--mode refused / refused-bare): the REST answer is 200 with
    publishId 0 and Messages[].REST_PublicationMessage.{Message,Detail} (the shape the
    platform's REST types suggest), or (refused-bare) no publishId and bare
    {Message,Detail} items; the status code of a real refusal is unknown: 200 is the
    least forgiving.

Valid credentials: username == USER and password == "#" + ENCRYPTED. The real Service
Center takes "#" + the platform's encryption of the password
(OutSystems.FrameworkExtensions Password(...).EncryptedValue), not a hash; --hash keeps
its old name (--encrypted-password is the same option).

Apply Settings (the fake Configuration Tool's /ApplySettingsFactory touches
--settings-applied-file): while FILE does not exist, every module's StatusMessages is
empty; once it exists, the modules named in --flag-after-settings carry a status message
with that Id (6: outdated references, 13: not published since the last version update),
and the first N requests after the fake first sees it (--unavailable-after-settings,
default 0) answer 503 Service Unavailable, as while the services restart. Modules_Get
items are <CS_Module> (the type OutSystems.SetupTools' Get-OSPlatformModules returns) with
Name, Key, Kind and StatusMessages, each a
<StatusMessage><Id>6</Id><Message>text</Message></StatusMessage> (SetupTools filters on
StatusMessages.Id; the item and text element names are not published).

The bound port is written to --port-file atomically once the server is serving.
SIGTERM / SIGINT stop the server; the program then exits 0.

Wire details (see also DESIGN.md section 2, "Service Center phase"):
  * The SOAP operation is the one the SOAPAction header (1.1) or the action= parameter
    of the Content-Type (1.2; without it, the Body's first element) names, in the
    dialect's action scheme; the Body's first element must be that operation in the
    dialect's namespace. The SOAP version is the envelope namespace; the Content-Type
    must agree with it (text/xml for 1.1, application/soap+xml for 1.2) and the dialect
    must bind it; otherwise: 500 + SOAP Fault (Client/Sender). The answer uses the
    version of the request.
  * Wrong/missing SOAP credentials: 401, text/plain body. Unknown operation,
    unparsable XML, non-integer parameter, unknown non-zero publishId: 500 + Fault.
  * REST: missing/wrong Basic credentials -> 401 + WWW-Authenticate; Content-Type
    not application/json -> 415; StagingName missing or TwoStepMode not "false" ->
    400; body not JSON, without a non-empty ModulesToPublish list, a module without
    Name, an unknown module name, or a Key/Kind not matching Modules_Get -> 400
    (text naming the problem). JSON keys of the request are matched
    case-insensitively. Success: 200 {"publishId": <fresh integer, from 42 on>}.
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
  * mode unauthorized: every request gets 401. mode malformed-xml: SOAP 200
    answers are cut to their first 60 bytes. mode malformed-json: the REST publish
    answers 200 with the body '{"publishId": '.
  * --request-log: one JSON object per line and request (op "WSDL" for GET ?WSDL):
    {"op", "soap": "1.1"|"1.2"|null, "modules", "publishId", "afterMessageId",
     "auth_ok", "status", "flagged"} ("flagged": the NAME:ID pairs a Modules_Get
    answer carried, e.g. ["Module2:6"]; null otherwise; a 503 while the services
    "restart" is logged with its op when the body could be read, else op null).
    Neither the password nor the Authorization header is ever written anywhere (log,
    stdout, stderr, fault texts).
"""

import argparse
import base64
import binascii
import json
import math
import os
import signal
import socket
import ssl
import sys
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

SOAP_PATH = "/servicecenter/platformservices_v8_0_0.asmx"
REST_PATH = "/servicecenter/rest/platformservices/staging_publishwith2stepoption"
OS_NS = "http://www.outsystems.com"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP_OPS = ("Modules_Get", "SolutionPack_GetPublishMessages", "SolutionPack_PublishAbort")
REST_OP = "Staging_PublishWith2StepOption"
MODES = ("ok", "warnings", "errors", "slow", "unauthorized", "malformed-xml",
         "malformed-json", "refused", "refused-bare", "endless")
XSD_NS = "http://www.w3.org/2001/XMLSchema"
REFUSAL = [("Module3 cannot be published: it references Module9, which does not exist",
            "Fix the references of Module3 in Service Studio and publish again."),
           ("The publication was not started", "")]
KEY_NAMESPACE = uuid.UUID("6f1c1b4e-8a51-4c2b-9a43-0f5e5c0d2a11")
MAX_BODY = 16 * 1024 * 1024
STATUS_TEXTS = {
    6: "The module has outdated references to other modules; republish it.",
    13: "The module was not published since the last platform version update.",
}


# ---- dialects ----------------------------------------------------------------
# Each dialect is what one Service Center might publish, and its WSDL says all of it:
# the SOAP versions bound, the SOAPAction of each operation, the request's element names
# (in the order OutSystems' automation passes them by position: user, password, publish
# id, after message id) and where the reply keeps its outputs. Paths are element names
# from <OpResponse> down; "list" is the array element, "item" its items.
DIALECTS = {
    # ASP.NET's own shape: a return value <Op>Result (an ArrayOfX) with the out
    # parameters beside it, actions <namespace>/<Op>, SOAP 1.1 and 1.2 bindings.
    "dotnet": {
        "ns": OS_NS,
        "action": lambda op: "%s/%s" % (OS_NS, op),
        "versions": ("1.1", "1.2"),
        "inputs": ("username", "password", "publishId", "afterMessageId"),
        "modules": {"list": ["Modules_GetResult"], "item": "CS_Module", "type": "CS_Module"},
        "messages": {"list": ["SolutionPack_GetPublishMessagesResult"],
                     "item": "PublishMessage", "type": "PublishMessage",
                     "last": ["lastMessageId"], "last_type": "int",
                     "finished": ["finished"]},
    },
    # OutSystems-built services: every output named after its parameter, no Result
    # element; PascalCase inputs (the after-message id under a name no convention would
    # guess); the actions under the service's name.
    "outsystems": {
        "ns": OS_NS,
        "action": lambda op: "%s/PlatformServices_v8_0_0/%s" % (OS_NS, op),
        "versions": ("1.1", "1.2"),
        "inputs": ("UserName", "Password", "PublishId", "AfterId"),
        "modules": {"list": ["Modules"], "item": "Module", "type": "Module"},
        "messages": {"list": ["Messages"], "item": "Message", "type": "Message",
                     "last": ["LastMessageId"], "last_type": "long",
                     "finished": ["Finished"]},
    },
    # SOAP 1.2 only (no 1.1 binding: a 1.1 request is a fault), the page returned as one
    # structure: <Op>Result wraps the list and the two outputs.
    "soap12": {
        "ns": OS_NS,
        "action": lambda op: "urn:outsystems:PlatformServices:%s" % op,
        "versions": ("1.2",),
        "inputs": ("username", "password", "publishId", "afterMessageId"),
        "modules": {"list": ["Modules_GetResult"], "item": "CS_Module", "type": "CS_Module"},
        "messages": {"list": ["SolutionPack_GetPublishMessagesResult", "Messages"],
                     "item": "PublishMessage", "type": "PublishMessage",
                     "last": ["SolutionPack_GetPublishMessagesResult", "LastMessageId"],
                     "last_type": "int",
                     "finished": ["SolutionPack_GetPublishMessagesResult", "Finished"],
                     "wrapper": "PublishMessagesPage"},
    },
}
INPUT_COUNT = {"Modules_Get": 2, "SolutionPack_GetPublishMessages": 4,
               "SolutionPack_PublishAbort": 3}


def nest(outputs):
    """[(path, xml)] -> XML with the elements of each path nested, in order."""
    tree = []   # [(name, subtree or xml string)]

    def put(node, path, xml):
        name = path[0]
        if len(path) == 1:
            node.append((name, xml))
            return
        for n, sub in node:
            if n == name and isinstance(sub, list):
                put(sub, path[1:], xml)
                return
        sub = []
        node.append((name, sub))
        put(sub, path[1:], xml)

    def render(node):
        out = ""
        for name, sub in node:
            inner = render(sub) if isinstance(sub, list) else sub
            out += "<%s>%s</%s>" % (name, inner, name) if inner else "<%s />" % name
        return out

    for path, xml in outputs:
        put(tree, path, xml)
    return render(tree)


def wsdl(dialect_name, location):
    """The WSDL of a dialect, shaped like ASP.NET's (wsdl:types/s:schema, ArrayOfX)."""
    d = DIALECTS[dialect_name]
    m, g = d["modules"], d["messages"]
    el = '<s:element minOccurs="%s" maxOccurs="%s" name="%s" type="%s" />'

    def seq(*elements):
        return "<s:complexType><s:sequence>%s</s:sequence></s:complexType>" % "".join(elements)

    def named(name, *elements):
        return ('<s:complexType name="%s"><s:sequence>%s</s:sequence></s:complexType>'
                % (name, "".join(elements)))

    def array_of(item, type_name):
        return named("ArrayOf" + type_name, el % (0, "unbounded", item, "tns:" + type_name))

    inputs = [el % (0, 1, n, "s:string") for n in d["inputs"][:2]]
    ints = [el % (1, 1, n, "s:int") for n in d["inputs"][2:]]
    types = [
        named(m["type"], el % (0, 1, "Name", "s:string"), el % (0, 1, "Key", "s:string"),
              el % (0, 1, "Kind", "s:string"),
              el % (0, 1, "StatusMessages", "tns:ArrayOfStatusMessage")),
        array_of(m["item"], m["type"]),
        named("StatusMessage", el % (1, 1, "Id", "s:int"), el % (0, 1, "Message", "s:string")),
        array_of("StatusMessage", "StatusMessage"),
        named(g["type"], el % (1, 1, "Id", "s:int"), el % (0, 1, "Type", "s:string"),
              el % (0, 1, "Message", "s:string"), el % (0, 1, "Detail", "s:string")),
        array_of(g["item"], g["type"]),
    ]
    page = [el % (0, 1, g["list"][-1], "tns:ArrayOf" + g["type"]),
            el % (1, 1, g["last"][-1], "s:" + g["last_type"]),
            el % (1, 1, g["finished"][-1], "s:boolean")]
    if "wrapper" in g:
        types.append(named(g["wrapper"], *page))
        page = [el % (0, 1, g["list"][0], "tns:" + g["wrapper"])]
    elements = {
        "Modules_Get": (seq(*inputs),
                        seq(el % (0, 1, m["list"][0], "tns:ArrayOf" + m["type"]))),
        "SolutionPack_GetPublishMessages": (seq(*(inputs + ints)), seq(*page)),
        "SolutionPack_PublishAbort": (seq(*(inputs + ints[:1])), "<s:complexType />"),
    }
    schema = "".join('<s:element name="%s">%s</s:element><s:element name="%sResponse">%s'
                     '</s:element>' % (op, req, op, resp)
                     for op, (req, resp) in elements.items())
    messages = "".join(
        '<wsdl:message name="%s%s"><wsdl:part name="parameters" element="tns:%s%s" />'
        '</wsdl:message>' % (op, io, op, "" if io == "SoapIn" else "Response")
        for op in SOAP_OPS for io in ("SoapIn", "SoapOut"))
    port_type = "".join(
        '<wsdl:operation name="%s"><wsdl:input message="tns:%sSoapIn" />'
        '<wsdl:output message="tns:%sSoapOut" /></wsdl:operation>' % (op, op, op)
        for op in SOAP_OPS)
    bindings, ports = "", ""
    for version in d["versions"]:
        prefix, suffix = ("soap", "Soap") if version == "1.1" else ("soap12", "Soap12")
        ops = "".join(
            '<wsdl:operation name="%s"><%s:operation soapAction="%s" style="document" />'
            '<wsdl:input><%s:body use="literal" /></wsdl:input>'
            '<wsdl:output><%s:body use="literal" /></wsdl:output></wsdl:operation>'
            % (op, prefix, d["action"](op), prefix, prefix) for op in SOAP_OPS)
        bindings += ('<wsdl:binding name="PlatformServices_v8_0_0%s" '
                     'type="tns:PlatformServices_v8_0_0Soap">'
                     '<%s:binding transport="http://schemas.xmlsoap.org/soap/http" />%s'
                     '</wsdl:binding>' % (suffix, prefix, ops))
        ports += ('<wsdl:port name="PlatformServices_v8_0_0%s" '
                  'binding="tns:PlatformServices_v8_0_0%s"><%s:address location="%s" />'
                  '</wsdl:port>' % (suffix, suffix, prefix, escape(location)))
    # ASP.NET also describes HttpGet/HttpPost bindings; a client must skip them.
    bindings += ('<wsdl:binding name="PlatformServices_v8_0_0HttpGet" '
                 'type="tns:PlatformServices_v8_0_0HttpGet"><http:binding verb="GET" />'
                 '</wsdl:binding>')
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        'xmlns:tns="{ns}" xmlns:s="{xsd}" '
        'xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" '
        'xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" '
        'targetNamespace="{ns}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">'
        '<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="{ns}">'
        '{schema}{types}</s:schema></wsdl:types>{messages}'
        '<wsdl:portType name="PlatformServices_v8_0_0Soap">{port_type}</wsdl:portType>'
        '{bindings}<wsdl:service name="PlatformServices_v8_0_0">{ports}</wsdl:service>'
        '</wsdl:definitions>').format(ns=d["ns"], xsd=XSD_NS, schema=schema,
                                      types="".join(types), messages=messages,
                                      port_type=port_type, bindings=bindings,
                                      ports=ports).encode("utf-8")


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


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag):
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def strip_quotes(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


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


def refusal(mode):
    """A refused publish: publishId 0 and Messages wrapped as REST_PublicationMessage
    (refused), or no publishId and bare messages (refused-bare)."""
    if mode == "refused":
        return {"publishId": 0,
                "Messages": [{"REST_PublicationMessage": {"Message": m, "Detail": d}}
                             for m, d in REFUSAL]}
    return {"Messages": [{"Message": m, "Detail": d} for m, d in REFUSAL]}


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


def parse_content_type(value):
    parts = [p.strip() for p in (value or "").split(";")]
    mime = parts[0].lower() if parts else ""
    params = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params[k.strip().lower()] = strip_quotes(v)
    return mime, params


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    # Never echo request lines/headers anywhere: quiet access log.
    def log_message(self, fmt, *args):  # noqa: D401
        pass

    @property
    def state(self):
        return self.server.state

    # ---- plumbing -------------------------------------------------------
    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline(65537)
                if len(data) > MAX_BODY:
                    raise ValueError("body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type, extra_headers=()):
        # The request-log line is written before the answer, so a client that
        # has its answer finds its request in the log.
        entry, self.pending_log = getattr(self, "pending_log", None), None
        if entry is not None:
            entry["status"] = status
            self.state.log(entry)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_401(self, extra_headers=()):
        self.send(401, b"401 - Unauthorized: Access is denied due to invalid "
                  b"credentials.", "text/plain; charset=utf-8", extra_headers)

    def do_GET(self):
        parts = urlsplit(self.path)
        path = parts.path.lower()
        if path == SOAP_PATH and parts.query.lower() == "wsdl" and self.command == "GET":
            self.pending_log = {"op": "WSDL", "soap": None, "modules": None,
                                "publishId": None, "afterMessageId": None, "auth_ok": None,
                                "status": None, "flagged": None}
            if self.state.args.no_wsdl:
                self.send(404, b"Not Found", "text/plain; charset=utf-8")
                return
            host = self.headers.get("Host") or "localhost"
            scheme = "https" if self.server.ssl_ctx else "http"
            location = "%s://%s/ServiceCenter/PlatformServices_v8_0_0.asmx" % (scheme, host)
            self.send(200, wsdl(self.state.args.dialect, location), "text/xml; charset=utf-8")
            return
        if path in (SOAP_PATH, REST_PATH):
            self.send(405, b"Method Not Allowed", "text/plain; charset=utf-8",
                      [("Allow", "POST")])
        else:
            self.send(404, b"Not Found", "text/plain; charset=utf-8")

    do_HEAD = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def do_POST(self):
        path = urlsplit(self.path).path.lower()
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(400, b"Bad Request", "text/plain; charset=utf-8")
            return
        if path in (SOAP_PATH, REST_PATH) and self.state.restarting():
            self.pending_log = {"op": self.op_of(path, body), "soap": None, "modules": None,
                                "publishId": None, "afterMessageId": None, "auth_ok": None,
                                "status": None, "flagged": None}
            self.send(503, b"Service Unavailable", "text/plain; charset=utf-8",
                      [("Retry-After", "1")])
            return
        if path == SOAP_PATH:
            self.handle_soap(body)
        elif path == REST_PATH:
            self.handle_rest(body)
        else:
            self.send(404, b"Not Found", "text/plain; charset=utf-8")

    @staticmethod
    def op_of(path, body):
        """The operation of a request, for the log only (None when unreadable)."""
        if path == REST_PATH:
            return REST_OP
        try:
            root = ET.fromstring(body)
            body_el = next(c for c in root if local(c.tag) == "Body")
            return local(next(c for c in body_el if isinstance(c.tag, str)).tag)
        except (ET.ParseError, StopIteration, TypeError):
            return None

    # ---- SOAP -----------------------------------------------------------
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

    # ---- REST -----------------------------------------------------------
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


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, state, ssl_ctx):
        self.state = state
        self.ssl_ctx = ssl_ctx
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # TLS handshake in the per-connection thread, so a stalled client
        # cannot block accept().
        if self.ssl_ctx is not None:
            request.settimeout(30)
            try:
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                try:
                    request.close()
                except OSError:
                    pass
                return
            request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # Client went away etc.: stay quiet (never dump request data).
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            sys.stderr.write("fake_service_center: handler error: %s\n"
                             % type(exc).__name__)


def write_port_file(path, port):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def positive(value):
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake OutSystems Service Center")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--hash", "--encrypted-password", dest="hash", required=True,
                    help="the platform's encryption of the password (what Service Center "
                         "takes after a '#'), without the '#'")
    ap.add_argument("--mode", choices=MODES, default="ok")
    ap.add_argument("--dialect", choices=sorted(DIALECTS), default="dotnet",
                    help="the names and shapes on the wire, all described by its WSDL")
    ap.add_argument("--no-wsdl", action="store_true",
                    help="answer GET ...asmx?WSDL with 404 (a farm that hides its WSDL)")
    ap.add_argument("--modules", type=positive, default=5)
    ap.add_argument("--polls", type=positive, default=None)
    ap.add_argument("--messages-per-poll", type=positive, default=1000,
                    help="mode endless: the new messages each poll answers")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--request-log")
    ap.add_argument("--settings-applied-file",
                    help="once this file exists, settings count as applied")
    ap.add_argument("--flag-after-settings", default="",
                    help="NAME:ID[,NAME:ID...]: status messages once settings are applied")
    ap.add_argument("--unavailable-after-settings", type=int, default=0, metavar="N",
                    help="answer 503 to the first N requests once settings are applied")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if (args.flag_after_settings or args.unavailable_after_settings) and \
            not args.settings_applied_file:
        ap.error("--flag-after-settings and --unavailable-after-settings need "
                 "--settings-applied-file")
    if args.unavailable_after_settings < 0:
        ap.error("--unavailable-after-settings must be >= 0")

    ssl_ctx = None
    if args.tls_cert:
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_ctx.load_cert_chain(args.tls_cert, args.tls_key)

    try:
        state = State(args)
    except ValueError as e:
        ap.error(str(e))
    server = Server(("127.0.0.1", 0), Handler, state, ssl_ctx)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    thread.start()
    port = server.server_address[1]
    write_port_file(args.port_file, port)
    sys.stderr.write("fake_service_center: serving %s://127.0.0.1:%d mode=%s dialect=%s "
                     "modules=%d polls=%d\n"
                     % ("https" if ssl_ctx else "http", port, args.mode, args.dialect,
                        len(state.modules), state.polls))
    sys.stderr.flush()
    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    thread.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
