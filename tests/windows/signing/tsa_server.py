#!/usr/bin/env python3
"""A local RFC 3161 Time-Stamp Authority for the signing tests: answers each POSTed
TimeStampReq (application/timestamp-query, RFC 3161 section 3.4) with the TimeStampResp
of `openssl ts -reply` (application/timestamp-reply), signed by a TSA certificate whose
extended key usage is timeStamping (critical, RFC 3161 section 2.3).

  tsa_server.py PORT_FILE CONFIG SIGNER_PEM SIGNER_KEY CHAIN_PEM

Listens on 127.0.0.1 port 0, writes the bound port to PORT_FILE (atomically) once it
serves, and serves until SIGTERM. A request openssl refuses gets HTTP 400 (osslsigncode
then fails the signing: the least forgiving answer a TSA gives).
"""
import http.server
import os
import signal
import subprocess
import sys
import tempfile


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as tmp:
            query_file = os.path.join(tmp, "query.tsq")
            reply_file = os.path.join(tmp, "reply.tsr")
            with open(query_file, "wb") as f:
                f.write(query)
            config, signer, key, chain = self.server.tsa
            ran = subprocess.run(
                ["openssl", "ts", "-reply", "-config", config, "-queryfile", query_file,
                 "-signer", signer, "-inkey", key, "-chain", chain, "-out", reply_file],
                capture_output=True)
            if ran.returncode != 0:
                self.send_error(400, "openssl ts -reply: " + ran.stderr.decode(errors="replace"))
                return
            with open(reply_file, "rb") as f:
                reply = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, fmt, *args):
        sys.stderr.write("tsa: " + (fmt % args) + "\n")


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: tsa_server.py PORT_FILE CONFIG SIGNER_PEM SIGNER_KEY CHAIN_PEM")
    port_file = sys.argv[1]
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.tsa = tuple(sys.argv[2:6])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
