#!/usr/bin/env python3
"""A stand-in for journald's native socket, for the log tests.

  journal-listener.py SOCKET OUT

Binds an AF_UNIX datagram socket at SOCKET (the test mounts a tmpfs on
/run/systemd/journal in a mount namespace of its own and binds
/run/systemd/journal/socket) and writes each message it receives to OUT as
one JSON object of its fields.  The native protocol: a field is
"NAME=VALUE\\n", or, for a value that holds a newline, "NAME\\n", its length
as 64-bit little-endian, the value and "\\n".  Runs until SIGTERM.
"""
import json
import os
import signal
import socket
import struct
import sys


def fields(data):
    out, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        out[k.decode()] = v.decode("utf-8", "replace")
    return out


def main():
    path, log = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(log, "a") as out:
        while True:
            out.write(json.dumps(fields(sock.recv(1 << 20))) + "\n")
            out.flush()


if __name__ == "__main__":
    try:
        main()
    finally:
        try:
            os.unlink(sys.argv[1])
        except OSError:
            pass
