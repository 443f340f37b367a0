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

Valid credentials: username == USER and password == "#" + ENCRYPTED. The real Service
Center takes "#" + the platform's encryption of the password
(OutSystems.FrameworkExtensions Password(...).EncryptedValue), not a hash; --hash keeps
its old name (--encrypted-password is the same option).

Apply Settings (--settings-applied-file, --flag-after-settings,
--unavailable-after-settings): status messages on modules and 503s once the fake
Configuration Tool has applied settings; see fake_sc/state.py.

The bound port is written to --port-file atomically once the server is serving.
SIGTERM / SIGINT stop the server; the program then exits 0.

Modes (the messages of ok, warnings, errors, slow and endless: state.py; refusals:
rest.py):
  * mode unauthorized: every request gets 401. mode malformed-xml: SOAP 200
    answers are cut to their first 60 bytes. mode malformed-json: the REST publish
    answers 200 with the body '{"publishId": '.

Where each part lives (each with its wire details, and where its behaviour comes from:
public evidence, or the fake's guess; see also docs/service-center.md, "The Service
Center phase"), in fake_sc/ beside this file:
  dialects.py  the dialects (--dialect) and their WSDL text; the evidence for the WSDL
               and for calls by position
  soap.py      SOAP envelopes and faults, the SOAP handler (routing, strictness, the
               Modules_Get, GetPublishMessages and PublishAbort answers)
  rest.py      the REST publish (Basic credentials, request checks, refusals)
  state.py     the modules, Apply Settings (flags, 503s), the credentials check, the
               publish state machine (messages, polls, abort; modes warnings, errors,
               slow, endless) and the request log file
  server.py    the HTTP plumbing (routing by path, bodies, 503 while restarting, what
               the request log holds) and the threaded server (TLS)
  wire.py      small helpers: XML tag names, quoted values, Content-Type parameters
  this file    the command line, the port file, signals
"""

import argparse
import os
import signal
import ssl
import sys
import tempfile
import threading

sys.dont_write_bytecode = True   # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_sc.dialects import DIALECTS, wsdl  # noqa: E402,F401  (wsdl: for the fixtures)
from fake_sc.server import Handler, Server  # noqa: E402
from fake_sc.state import MODES, State  # noqa: E402


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
