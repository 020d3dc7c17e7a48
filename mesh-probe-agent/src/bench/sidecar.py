#!/usr/bin/env python3
"""Minimal Istio-like sidecar for the agent benchmarks: /healthz/ready answers 503 until READY_AFTER seconds
have passed since start (0 = ready at once), then 200; logs 'READY <epochMillis>' to stdout when it turns ready."""
import http.server, sys, threading, time

port, ready_after = int(sys.argv[1]), float(sys.argv[2])
start = time.time()
ready_at = [None]

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def _send(self, code):
        self.send_response(code); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        if self.path == "/healthz/ready":
            if time.time() - start >= ready_after:
                if ready_at[0] is None:
                    ready_at[0] = int(time.time() * 1000); print("READY", ready_at[0], flush=True)
                self._send(200)
            else:
                self._send(503)
        else:
            self._send(404)
    def do_POST(self): self._send(200)

http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
