"""The dialects of the fake Service Center (--dialect) and the WSDL text of each.

Where this behaviour comes from (public evidence), and where the fake guesses:
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
"""

from xml.sax.saxutils import escape

OS_NS = "http://www.outsystems.com"
SOAP_OPS = ("Modules_Get", "SolutionPack_GetPublishMessages", "SolutionPack_PublishAbort")
XSD_NS = "http://www.w3.org/2001/XMLSchema"


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
