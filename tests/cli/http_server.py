#!/usr/bin/env python3
"""A tiny HTTP server for the fetch tests (stdlib only, 127.0.0.1, a free port).

Usage: http_server.py FILE PORT_FILE LOG_FILE
Serves FILE at every path. Writes the chosen port to PORT_FILE once listening, and one line per
request to LOG_FILE: "GET /path range=<Range header or ->".
Modes, switched with GET /_mode/<mode> (answers 200 "ok"):
  normal    200 with the file, or 206 with the requested part for "Range: bytes=N-"
  truncate  announces the full Content-Length of the (partial) answer, sends half of it, closes
  corrupt   like normal, with some bytes flipped
  norange   ignores Range: always 200 with the whole file
  slow      like normal, 1 KiB every 50 ms (for Ctrl-C tests)
  missing   404
"""
import http.server
import os
import re
import sys
import threading
import time


class State:
    mode = "normal"
    lock = threading.Lock()


def main():
    path, port_file, log_file = sys.argv[1:4]
    with open(path, "rb") as f:
        data = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep stderr quiet; requests go to LOG_FILE
            pass

        def log(self, text):
            with State.lock, open(log_file, "a") as log:
                log.write(text + "\n")

        def do_GET(self):
            rng = self.headers.get("Range")
            self.log("GET %s range=%s mode=%s" % (self.path, rng or "-", State.mode))
            if self.path.startswith("/_mode/"):
                State.mode = self.path[len("/_mode/"):]
                self.answer(200, b"ok", {})
                return
            mode = State.mode
            if mode == "missing":
                self.answer(404, b"not found", {})
                return
            body, status, headers = data, 200, {"Accept-Ranges": "bytes"}
            m = re.fullmatch(r"bytes=(\d+)-", rng or "")
            if m and mode != "norange":
                start = int(m.group(1))
                if start >= len(data):
                    self.answer(416, b"", {"Content-Range": "bytes */%d" % len(data)})
                    return
                body, status = data[start:], 206
                headers["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
            if mode == "corrupt":
                body = bytearray(body)
                for i in range(0, len(body), max(1, len(body) // 16)):
                    body[i] ^= 0xFF
                body = bytes(body)
            if mode == "truncate":
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.answer(status, body, headers, slow=mode == "slow")

        def answer(self, status, body, headers, slow=False):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                step = 1024 if slow else max(1, len(body))
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    if slow:
                        self.wfile.flush()
                        time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # clients that hang up mid-answer are what the tests provoke

    server = Server(("127.0.0.1", 0), Handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, port_file)  # the test polls for this file: never let it see a partial port
    server.serve_forever()


if __name__ == "__main__":
    main()
