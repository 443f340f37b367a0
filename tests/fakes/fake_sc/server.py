"""The HTTP plumbing of the fake Service Center: the request handler (bodies, answers,
routing by path: GET ...asmx?WSDL, SOAP, REST; 503 while the services "restart"; the
request log) and the threaded server (TLS handshakes off the accept thread).

  * --request-log: one JSON object per line and request (op "WSDL" for GET ?WSDL):
    {"op", "soap": "1.1"|"1.2"|null, "modules", "publishId", "afterMessageId",
     "auth_ok", "status", "flagged"} ("flagged": the NAME:ID pairs a Modules_Get
    answer carried, e.g. ["Module2:6"]; null otherwise; a 503 while the services
    "restart" is logged with its op when the body could be read, else op null).
    Neither the password nor the Authorization header is ever written anywhere (log,
    stdout, stderr, fault texts).
"""

import socket
import ssl
import sys
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .dialects import wsdl
from .rest import REST_OP, RestHandler
from .soap import SoapHandler
from .wire import local

SOAP_PATH = "/servicecenter/platformservices_v8_0_0.asmx"
REST_PATH = "/servicecenter/rest/platformservices/staging_publishwith2stepoption"
MAX_BODY = 16 * 1024 * 1024


class Handler(SoapHandler, RestHandler, BaseHTTPRequestHandler):
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
