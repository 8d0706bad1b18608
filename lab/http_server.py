#!/usr/bin/env python3
"""The lab's HTTP/1.1 server: keep-alive, and endpoints that exercise what the L7 parser must handle.

  /             small body with Content-Length
  /chunked      Transfer-Encoding: chunked, several chunks
  /slow?ms=N    the response waits N ms (at most 5000)
  /blob?bytes=N N bytes of a repeating pattern (at most 16 MiB; the loss and trouble labs' downloads)
  /error        500
  anything else 404
  POST *        200, echoes the request body length

Usage: http_server.py ADDRESS PORT   (ADDRESS may be IPv6, e.g. '::' for dual stack)
"""
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


BLOCK = bytes(range(256)) * 256


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "netsieve-lab/1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            self._send(200, "hello from the netsieve lab\n")
        elif url.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(4):
                chunk = ("chunk %d of the lab response\n" % i).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(0.02)
            self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/slow":
            ms = min(5000, int(parse_qs(url.query).get("ms", ["300"])[0]))
            time.sleep(ms / 1000.0)
            self._send(200, "slow response after %d ms\n" % ms)
        elif url.path == "/blob":
            n = min(16 << 20, int(parse_qs(url.query).get("bytes", ["1000"])[0]))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            while n > 0 and self.command != "HEAD":
                chunk = BLOCK[:min(n, len(BLOCK))]
                self.wfile.write(chunk)
                n -= len(chunk)
        elif url.path == "/error":
            self._send(500, "internal error (on purpose)\n")
        else:
            self._send(404, "not found\n")

    do_HEAD = do_GET

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self._send(200, "received %d bytes\n" % len(body))


class DualStackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


if __name__ == "__main__":
    DualStackServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
