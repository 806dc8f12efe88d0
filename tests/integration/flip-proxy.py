#!/usr/bin/env python3
"""An HTTP proxy between a sender and a receiver that damages what passes.

    flip-proxy.py LISTEN_PORT UPSTREAM_PORT COUNT_FILE [--flip N] [--lie N]

Every request goes on to 127.0.0.1:UPSTREAM_PORT with its headers, and
the answer comes back as it was, except:

  --flip N  the first N request bodies have one byte inverted (in the
            middle) on the way: corruption in transit, which the
            receiver's SHA-256 check must catch;
  --lie N   the first N 2xx answers say another SHA-256 in their JSON: a
            receiver that does not confirm what was sent.

COUNT_FILE is rewritten after each damaged message with "flipped N lied M".
Standard library only.
"""
import http.client
import http.server
import json
import sys
import threading

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
       "te", "trailer", "upgrade", "expect", "host", "content-length"}


class State:
    def __init__(self, flips, lies, count_file):
        self.flips, self.lies = flips, lies
        self.flipped = self.lied = 0
        self.count_file = count_file
        self.lock = threading.Lock()

    def take(self, what):
        with self.lock:
            if what == "flip" and self.flipped < self.flips:
                self.flipped += 1
            elif what == "lie" and self.lied < self.lies:
                self.lied += 1
            else:
                return False
            with open(self.count_file, "w") as f:
                f.write("flipped %d lied %d\n" % (self.flipped, self.lied))
            return True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = bytearray()
        while len(data) < n:
            chunk = self.rfile.read(min(65536, n - len(data)))
            if not chunk:
                break
            data += chunk
        return bytes(data)

    def relay(self):
        data = self.body()
        if data and STATE.take("flip"):
            flipped = bytearray(data)
            flipped[len(flipped) // 2] ^= 0xFF
            data = bytes(flipped)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP}
        try:
            up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
            up.request(self.command, self.path, body=data, headers=headers)
            res = up.getresponse()
            status, answer = res.status, res.read()
            out = [(k, v) for k, v in res.getheaders()
                   if k.lower() not in HOP]
            up.close()
        except OSError as e:
            status, out = 502, [("Content-Type", "application/json")]
            answer = json.dumps({"error": "upstream: %s" % e}).encode()
        if self.command == "PUT" and 200 <= status < 300 and STATE.take("lie"):
            try:
                j = json.loads(answer)
                j["sha256"] = "0" * 64
                answer = json.dumps(j).encode()
            except ValueError:
                pass
        self.send_response(status)
        for k, v in out:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_PUT = relay
    do_GET = relay
    do_POST = relay


def main():
    global STATE, UPSTREAM
    args = sys.argv[1:]
    flips = lies = 0
    if "--flip" in args:
        i = args.index("--flip")
        flips = int(args[i + 1])
        del args[i:i + 2]
    if "--lie" in args:
        i = args.index("--lie")
        lies = int(args[i + 1])
        del args[i:i + 2]
    listen, UPSTREAM, count_file = int(args[0]), int(args[1]), args[2]
    STATE = State(flips, lies, count_file)
    with open(count_file, "w") as f:
        f.write("flipped 0 lied 0\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", listen), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
