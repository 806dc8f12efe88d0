"""Headless Chromium driven over the Chrome DevTools Protocol, for tests.

Python 3 standard library only: a minimal WebSocket client (RFC 6455:
the opening handshake, masked client frames, fragmented and control
frames) and the few CDP calls a page test needs.

    with Browser("/usr/bin/chromium", scratch) as b:
        b.navigate("http://127.0.0.1:8080/")
        b.evaluate("document.title")
        b.screenshot("page.png")
        b.console_errors()        # what the page reported as errors
"""

import base64
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import time
import urllib.request

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocket:
    """One client connection; text messages in and out."""

    def __init__(self, url, timeout=30):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        if not m:
            raise ValueError("not a ws:// URL: " + url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)
        ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the handshake was cut short")
            head += chunk
        head, self.pending = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError("no upgrade: " + lines[0])
        accept = base64.b64encode(hashlib.sha1(
            (key + _WS_GUID).encode()).digest()).decode()
        headers = {ln.split(":", 1)[0].strip().lower(): ln.split(":", 1)[1].strip()
                   for ln in lines[1:] if ":" in ln}
        if headers.get("sec-websocket-accept") != accept:
            raise ConnectionError("wrong Sec-WebSocket-Accept")

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(max(65536, n - len(self.pending)))
            if not chunk:
                raise ConnectionError("the connection closed")
            self.pending += chunk
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def _send_frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def recv(self):
        """The next whole text message."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x9:
                self._send_frame(0xA, data)
                continue
            if opcode == 0x8:
                raise ConnectionError("the browser closed the connection")
            if opcode in (0x0, 0x1, 0x2):
                parts.append(data)
                if b0 & 0x80:
                    return b"".join(parts).decode("utf-8", "replace")

    def close(self):
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class Browser:
    """A headless Chromium of its own (fresh profile under scratch) and a
    session on its first page."""

    # This machine's network is closed: without the background flags
    # Chromium keeps trying to reach its vendor's hosts.
    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions",
             "--hide-scrollbars", "--window-size=1280,900"]

    def __init__(self, binary, scratch, timeout=30):
        self.timeout = timeout
        profile = os.path.join(scratch, "chromium-profile")
        os.makedirs(profile, exist_ok=True)
        self.log = open(os.path.join(scratch, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [binary] + self.FLAGS + ["--user-data-dir=" + profile,
                                     "--remote-debugging-port=0",
                                     "about:blank"],
            stdout=self.log, stderr=self.log)
        port = self._devtools_port(profile)
        page = None
        deadline = time.monotonic() + timeout
        while page is None and time.monotonic() < deadline:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            page = pages[0] if pages else None
            if page is None:
                time.sleep(0.1)
        if page is None:
            raise RuntimeError("Chromium opened no page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"], timeout)
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "DOM"):
            self.call(domain + ".enable")

    def _devtools_port(self, profile):
        path = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("Chromium exited with %d (see chromium.log)"
                                   % self.proc.returncode)
            try:
                with open(path) as f:
                    first = f.readline().strip()
                if first:
                    return int(first)
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise RuntimeError("Chromium did not open its DevTools port")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.ws.close()
        except (OSError, AttributeError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def call(self, method, **params):
        """Sends one command and returns its result; events that arrive
        meanwhile are kept in self.events."""
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def _pump(self, seconds):
        """Reads events for a while (none may come)."""
        self.ws.sock.settimeout(seconds)
        try:
            self.events.append(json.loads(self.ws.recv()))
        except socket.timeout:
            pass
        finally:
            self.ws.sock.settimeout(self.timeout)

    def evaluate(self, expr, await_promise=False):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=await_promise)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %r: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait_for(self, expr, timeout=None):
        """Until expr is truthy in the page; returns its value, or None
        when the time runs out."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            try:
                v = self.evaluate(expr)
            except RuntimeError:
                v = None
            if v:
                return v
            self._pump(0.1)
        return None

    def navigate(self, url):
        """Opens url and waits for its load event."""
        seen = len(self.events)
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == "Page.loadEventFired"
                   for e in self.events[seen:]):
                return
            self._pump(0.2)
        raise RuntimeError("%s did not load" % url)

    def set_file(self, selector, path):
        """Puts a file into the <input type=file> selector names."""
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector)
        if not node.get("nodeId"):
            raise RuntimeError("no element " + selector)
        self.call("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[path])

    def screenshot(self, path):
        """The whole page as PNG."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", format="png",
                         captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"],
                               "height": size["height"], "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def console_errors(self):
        """What the page said went wrong: console.error and console.assert
        calls, uncaught exceptions, and the browser's own error entries
        (a resource that failed, a Content-Security-Policy violation)."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (p["type"], " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: %s" % d.get("exception", {}).get(
                    "description", d.get("text", "")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                out.append("%s: %s %s" % (entry.get("source"), entry.get("text"),
                                          entry.get("url", "")))
        return out
