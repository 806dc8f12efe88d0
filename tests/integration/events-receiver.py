#!/usr/bin/env python3
"""A webhook receiver for the events tests: Python's http.server only.

events-receiver.py PORTFILE DIR SECRET

Listens on a free loopback port (written to PORTFILE), and for each POST
verifies X-Carbonation-Signature (HMAC-SHA256 of the body with SECRET)
and parses the JSON.  What it answers is read from DIR/mode at each
request: "200" (default), "500", or "slow" (200 after 0.3 s).  Accepted
events are appended to DIR/events.jsonl, one line each (the event's
fields the tests look at, and whether the signature held); refused
requests are counted in DIR/refused (one line each); a bad signature is
answered 401 and counted in DIR/badsig.
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, DIR, SECRET = sys.argv[1], sys.argv[2], sys.argv[3].encode()


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as f:
            return f.read().strip() or "200"
    except FileNotFoundError:
        return "200"


def append(name, line):
    with open(os.path.join(DIR, name), "a") as f:
        f.write(line + "\n")
        f.flush()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        m = mode()
        if m == "500":
            append("refused", "500")
            self.answer(500)
            return
        if m == "slow":
            time.sleep(0.3)
        want = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Carbonation-Signature", "")
        if not hmac.compare_digest(want, got):
            append("badsig", got)
            self.answer(401)
            return
        ev = json.loads(body)
        append("events.jsonl", json.dumps({
            "event_id": ev["event_id"],
            "header_id": self.headers.get("X-Carbonation-Event"),
            "sequence": ev["sequence"],
            "scope": ev["scope"],
            "status": ev["status"],
            "watch": ev["watch"],
            "group_key": ev["group_key"],
            "paths": [x["path"] for x in ev["members"]],
            "sha256": [x["sha256"] for x in ev["members"]],
            "has_xxh128": all("xxh128" in x for x in ev["members"]),
            "event_at": ev["event_at"],
            "instance": ev["instance"],
            "plugin": ev["plugin"],
        }, sort_keys=True))
        self.answer(200)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
