#!/usr/bin/env python3
"""A delivery folder's hostile writer, for swap-cases.sh.

swap-writer.py IN STAGE STOPFILE NAMEFILE

Prints "started", then until STOPFILE exists, swaps every IN/NAME (NAMEFILE
holds the names, read again each time round) with STAGE/NAME.S (a symlink
to a file outside both roots) or STAGE/NAME.B (another regular file of
the same size), keeps the swap 1 to 10 ms, swaps back, and waits 10 to
100 ms, long enough for intake to find the delivered file settled, and
for an archive batch to start on it.  Every
swap is one renameat2(RENAME_EXCHANGE): at every instant the delivered
file, the symlink and the other file each have a name, so the writer
itself never loses anything, and a name carbonation took away (moved
into the archive, or set aside) simply ends that name's swapping.  Prints
how many swaps it made at the end.
"""
import ctypes
import os
import random
import sys
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2

libc = ctypes.CDLL(None, use_errno=True)
libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                           ctypes.c_char_p, ctypes.c_uint]


def exchange(a, b):
    return libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(),
                          RENAME_EXCHANGE) == 0


def main():
    src, stage, stop, namefile = sys.argv[1:5]
    rnd = random.Random(os.getpid())
    swaps = 0
    print("started", flush=True)
    while not os.path.exists(stop):
        with open(namefile) as f:
            names = f.read().split()
        pairs = [(os.path.join(src, n),
                  os.path.join(stage, n + rnd.choice((".S", ".B"))))
                 for n in names]
        done = [p for p in pairs if exchange(*p)]
        swaps += len(done)
        time.sleep(rnd.uniform(0.001, 0.01))
        for p in done:
            exchange(*p)
        time.sleep(rnd.uniform(0.01, 0.1))
    print(swaps)


main()
