#!/usr/bin/env python3
"""A partner's HTTPS endpoint for the webhook test: takes POSTs on any path, checks each one's
X-Twinbench-Signature against the shared secret (HMAC-SHA-256 over "<t>.<body>", as docs/webhooks.md
says, computed here with Python's own hmac), answers 200, and appends a line per post to a log:
{"key": <Idempotency-Key>, "signature_ok": true|false, "body": {...}}.

usage: webhook-receiver.py <cert.pem> <key.pem> <secret file> <log> <port file> [port]
Binds 127.0.0.1 on `port` (0: any free one) and writes the port bound to <port file>.
"""
import hashlib
import hmac
import http.server
import json
import socketserver
import ssl
import sys

cert, key, secret_file, log_path, port_file = sys.argv[1:6]
port = int(sys.argv[6]) if len(sys.argv) > 6 else 0
secret = open(secret_file, "rb").read().split(b"\n")[0]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        sig = dict(part.split("=", 1) for part in self.headers.get("X-Twinbench-Signature", "").split(",") if "=" in part)
        want = hmac.new(secret, sig.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, sig.get("v1", ""))
        with open(log_path, "a") as log:
            log.write(json.dumps({"key": self.headers.get("Idempotency-Key"), "signature_ok": ok, "body": json.loads(body)}) + "\n")
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    allow_reuse_address = True
    daemon_threads = True


server = Server(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
