#!/usr/bin/env python3
"""An HTTP/1.1 server for gaia's tests, on loopback: well-behaved routes to check what
gaia sends, and misbehaving ones to check that gaia survives what servers do wrong.

usage: misbehaving_server.py PORT LOG_FILE [CERT KEY]
With CERT and KEY (PEM files) it speaks TLS: the same routes over https.
Each request appends "<monotonic seconds> <method> <path>" to LOG_FILE, so a test can
measure at the server what rate gaia achieved.
"""

import email.utils
import hashlib
import http.server
import json
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zlib

counters = {}
counters_lock = threading.Lock()
log_lock = threading.Lock()


def bump(key):
    with counters_lock:
        counters[key] = counters.get(key, 0) + 1
        return counters[key]


def gzip_bomb(decoded_mib):
    """A gzip stream of decoded_mib MiB of zeros: about 1 KiB on the wire per MiB."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [z.compress(chunk) for _ in range(decoded_mib)]
    parts.append(z.flush())
    return b"".join(parts)


# 256 MiB of zeros in about 256 KiB: made in the background at start (it takes a moment).
bomb = {}
bomb_ready = threading.Event()


def make_bomb():
    bomb["data"] = gzip_bomb(256)
    bomb_ready.set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "misbehaving/1"

    def log_message(self, *args):
        pass

    def record(self):
        with log_lock:
            with open(self.server.log_path, "a") as log:
                log.write(f"{time.monotonic():.6f} {self.command} {self.path}\n")

    def reply(self, status, body=b"", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        digest = hashlib.sha256()
        head = b""
        while length > 0:
            block = self.rfile.read(min(length, 1 << 16))
            if not block:
                break
            digest.update(block)
            if len(head) < 1000:
                head += block[: 1000 - len(head)]
            length -= len(block)
        return head, digest.hexdigest(), int(self.headers.get("Content-Length", "0") or 0)

    def handle_any(self):
        self.record()
        if self.path.startswith("http://"):
            # Asked as a forward proxy: say so instead of fetching anything.
            self.reply(200, json.dumps({"proxied": self.path}), [("Content-Type", "application/json")])
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        route, args = parts[0], parts[1:]
        handler = getattr(self, "route_" + route.replace("-", "_"), None)
        if handler is None:
            self.reply(404, "no such route\n")
            return
        handler(*args)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

    # --- well-behaved --------------------------------------------------------------
    def route_echo(self, *_):
        head, sha, length = self.read_body()
        doc = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": head.decode("utf-8", "replace"),
            "body_length": length,
            "body_sha256": sha,
        }
        self.reply(200, json.dumps(doc), [("Content-Type", "application/json")])

    def route_status(self, code):
        self.read_body()
        self.reply(int(code), f"status {code}\n")

    def route_ids(self, n):
        self.reply(200, json.dumps({"ids": list(range(int(n)))}), [("Content-Type", "application/json")])

    def route_bytes(self, n):
        """n bytes, streamed in 64 KiB blocks."""
        n = int(n)
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        block = b"x" * 65536
        while n > 0:
            self.wfile.write(block[: min(n, len(block))])
            n -= min(n, len(block))

    def route_chunked(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (b"hello, ", b"chunked ", b"world"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def route_slow_port(self, ms):
        time.sleep(int(ms) / 1000)
        self.reply(200, str(self.client_address[1]))

    def route_port(self):
        """The client's port: the same port twice means a reused connection."""
        self.reply(200, str(self.client_address[1]))

    def route_redirect(self, n):
        n = int(n)
        if n == 0:
            self.reply(200, "arrived\n")
        else:
            self.reply(302, "", [("Location", f"/redirect/{n - 1}")])

    def route_see_other(self):
        self.read_body()
        self.reply(303, "", [("Location", "/echo")])

    def route_close_quietly(self):
        """Answers as if the connection stayed open, then closes it."""
        self.reply(200, "bye\n")
        self.close_connection = True

    def route_slow(self, ms):
        time.sleep(int(ms) / 1000)
        self.reply(200, "slow\n")

    # --- retries --------------------------------------------------------------------
    def route_flaky(self, key, failures):
        """The first `failures` requests for `key` get a 503."""
        if bump("flaky/" + key) <= int(failures):
            self.reply(503, "try again\n")
        else:
            self.reply(200, "ok\n")

    def route_retry_after(self, key, seconds):
        if bump("retry-after/" + key) == 1:
            self.reply(429, "slow down\n", [("Retry-After", seconds)])
        else:
            self.reply(200, "ok\n")

    def route_retry_after_date(self, key, seconds):
        if bump("retry-after-date/" + key) == 1:
            when = email.utils.formatdate(time.time() + int(seconds), usegmt=True)
            self.reply(429, "slow down\n", [("Retry-After", when)])
        else:
            self.reply(200, "ok\n")

    # --- misbehaving ----------------------------------------------------------------
    def route_reset(self):
        """Closes the connection with a TCP reset instead of answering."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        # Closed now, by its descriptor: socket.close() waits for the handler's files, and
        # the server's shutdown(SHUT_WR) would send a FIN (over TLS, too) before the reset.
        os.close(self.connection.detach())

    def route_stall_headers(self):
        time.sleep(30)
        self.close_connection = True

    def route_stall_body(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        time.sleep(30)
        self.close_connection = True

    def route_redirect_loop(self):
        self.reply(302, "", [("Location", "/redirect-loop")])

    def route_huge_headers(self):
        self.reply(200, "ok\n", [("X-Huge", "h" * (2 << 20))])

    def route_many_headers(self):
        self.reply(200, "ok\n", [(f"X-Header-{i}", "v" * 100) for i in range(5000)])

    def route_bad_chunked(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"5\r\nhello\r\nzz\r\nnot hex\r\n0\r\n\r\n")
        self.close_connection = True

    def route_gzip_bomb(self):
        """256 MiB of zeros, gzip-compressed, sent whatever the client accepts."""
        bomb_ready.wait()
        self.reply(200, bomb["data"], [("Content-Encoding", "gzip"), ("Content-Type", "application/json")])

    def route_drip(self, n):
        """n bytes, one every 100 ms."""
        n = int(n)
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        for _ in range(n):
            self.wfile.write(b".")
            self.wfile.flush()
            time.sleep(0.1)

    def route_short_body(self):
        """Promises 1000 bytes, sends 10 and closes."""
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.close_connection = True

    def route_garbage(self):
        """Not HTTP at all."""
        self.wfile.write(b"\x00\x01garbage that is not a status line\r\n\r\n")
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def main():
    port, log_path = int(sys.argv[1]), sys.argv[2]
    server = Server(("127.0.0.1", port), Handler)
    server.log_path = log_path
    if len(sys.argv) == 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        # The handshake happens in the request's thread, on its first read: a client that
        # stalls it holds up no one else.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=make_bomb, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
