#!/usr/bin/env python3
"""A stand-in for systemd's notify socket, for the service tests.

  notify-listener.py SOCKET LOG

Binds an AF_UNIX datagram socket at SOCKET (an absolute path, as
NOTIFY_SOCKET must be) and appends each field of each datagram it receives
to LOG as one line, "MILLISECONDS FIELD=VALUE", milliseconds of
CLOCK_MONOTONIC, flushed at once, so a test can tell what came in which
order and how often.  Runs until SIGTERM.
"""
import os
import signal
import socket
import sys
import time


def main():
    path, log = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(log, "a") as out:
        out.write("%d LISTENING\n" % (time.monotonic() * 1000))
        out.flush()
        while True:
            data = sock.recv(65536)
            now = int(time.monotonic() * 1000)
            for field in data.decode("utf-8", "replace").split("\n"):
                if field:
                    out.write("%d %s\n" % (now, field))
            out.flush()


if __name__ == "__main__":
    try:
        main()
    finally:
        try:
            os.unlink(sys.argv[1])
        except OSError:
            pass
