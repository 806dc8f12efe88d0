#!/usr/bin/env python3
"""The per-file work of tests/integration/crash-cases.sh, in one process
each (forking a cp, mv or cmp per file costs minutes on slow machines).

  crash-files.py make T R         the pristine copies of $T/plan below R
                                  (random bytes), $T/ref.sums ("HASH  REL",
                                  sha256sum's format) and $T/ref.rows (each
                                  file's catalog row as expected)
  crash-files.py deliver T R P CHUNKS SIZE
                                  the deliverer: chunk K (SIZE groups) of
                                  the plan once $T/go.K exists, spread over
                                  about a second; each file is appended to
                                  $T/manifest once it is in place; then
                                  $T/delivered
  crash-files.py cmp T R P        each pristine copy against its archived
                                  copy below P/archive, byte for byte;
                                  prints those that differ

A plan line is "WATCH DIR STEM DAT_SIZE XML_SIZE ORDER"; REL, a file's
path, is WATCH/DIR/STEM.EXT in the watch, in R and below the archive.
"""
import hashlib
import os
import shutil
import sys
import time


def files_of(group):
    w, d, s, _, _, order = group
    exts = [".xml", ".dat"] if order == "1" else [".dat", ".xml"]
    return ["%s/%s/%s%s" % (w, d, s, e) for e in exts]


def make(t, r, plan):
    with open(os.path.join(t, "ref.sums"), "w") as sums, \
         open(os.path.join(t, "ref.rows"), "w") as rows:
        for w, d, s, dat, xml, _ in plan:
            os.makedirs(os.path.join(r, w, d), exist_ok=True)
            for ext, size in ((".dat", int(dat)), (".xml", int(xml))):
                rel = "%s/%s/%s%s" % (w, d, s, ext)
                data = os.urandom(size)
                with open(os.path.join(r, rel), "wb") as f:
                    f.write(data)
                h = hashlib.sha256(data).hexdigest()
                sums.write("%s  %s\n" % (h, rel))
                # watch/rel_path|archive_path|size|content_hash|version
                rows.write("%s|%s|%d|%s|1\n" % (rel, rel, size, h))


def deliver(t, r, p, chunks, size, plan):
    with open(os.path.join(t, "manifest"), "a") as manifest:
        for k in range(1, chunks + 1):
            while not os.path.exists(os.path.join(t, "go.%d" % k)):
                time.sleep(0.05)
            part = plan[(k - 1) * size:k * size]
            for g in part:
                for rel in files_of(g):
                    w, d, name = rel.split("/")
                    if w == "cp":
                        # A hidden name in the folder, then a rename.
                        tmp = os.path.join(p, w, d, "." + name)
                    else:
                        # Outside the watch, same filesystem, a rename.
                        tmp = os.path.join(p, "stage", name)
                    shutil.copyfile(os.path.join(r, rel), tmp)
                    os.rename(tmp, os.path.join(p, rel))
                    manifest.write(rel + "\n")
                    manifest.flush()
                time.sleep(1.0 / len(part))
    open(os.path.join(t, "delivered"), "w").close()


def compare(t, r, p):
    with open(os.path.join(t, "ref.sums")) as sums:
        for line in sums:
            rel = line.split()[1]
            try:
                with open(os.path.join(r, rel), "rb") as a, \
                     open(os.path.join(p, "archive", rel), "rb") as b:
                    same = a.read() == b.read()
            except OSError as e:
                print("%s: %s" % (rel, e.strerror))
                continue
            if not same:
                print(rel + " differs")


def main():
    cmd, t, r = sys.argv[1:4]
    with open(os.path.join(t, "plan")) as f:
        plan = [line.split() for line in f]
    if cmd == "make":
        make(t, r, plan)
    elif cmd == "deliver":
        deliver(t, r, sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), plan)
    elif cmd == "cmp":
        compare(t, r, sys.argv[4])
    else:
        sys.exit("crash-files.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
