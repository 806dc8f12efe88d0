#!/usr/bin/env python3
"""Compares toml-decoder output with the toml-test suite's expected JSON.

Usage: compare.py MANIFEST

MANIFEST holds one case a line: name, expected .json, decoder output,
separated by tabs.  Prints "not ok - NAME: why" for each case that
differs, then "# compared: N, F differ" (run.sh counts on that last line
to know the comparison finished), and exits 1 when any differed.

The comparison follows toml-test's own (tables by key set, arrays by
position, scalars by type then value) but is stricter where the suite's
is loose: date-times are compared field by field, offset included, rather
than not at all.  What two correct decoders may write differently is
treated as equal: float spelling, the sign of NaN, "z" for "Z", a space for
"T", "+00:00" for "Z", trailing zeros of fractional seconds and digits
past the nanosecond.
"""

import json
import math
import re
import sys

FLOAT_RE = re.compile(r"[+-]?(inf|nan|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)\Z")
INT_RE = re.compile(r"[+-]?[0-9]+\Z")
DATE = r"(\d{4})-(\d{2})-(\d{2})"
TIME = r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
OFFSET = r"([Zz]|[+-]\d{2}:\d{2})"
DATETIME_RES = {
    "datetime": re.compile(DATE + "[Tt ]" + TIME + OFFSET + r"\Z"),
    "datetime-local": re.compile(DATE + "[Tt ]" + TIME + r"\Z"),
    "date-local": re.compile(DATE + r"\Z"),
    "time-local": re.compile(TIME + r"\Z"),
}


class Mismatch(Exception):
    pass


def is_tagged(v):
    return (isinstance(v, dict) and set(v) == {"type", "value"}
            and isinstance(v["type"], str) and isinstance(v["value"], str))


def show(v):
    text = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def where(path):
    return "at " + (".".join(path) if path else "top level")


def datetime_key(kind, text):
    """The fields of a date/time, offset in minutes, fraction in ns."""
    m = DATETIME_RES[kind].match(text)
    if m is None:
        return None
    fields = list(m.groups())
    offset = None
    if kind == "datetime":
        off = fields.pop()
        if off in ("Z", "z"):
            offset = 0
        else:
            sign = -1 if off[0] == "-" else 1
            offset = sign * (int(off[1:3]) * 60 + int(off[4:6]))
    key = []
    for i, f in enumerate(fields):
        # every kind but a bare date ends with the optional fraction
        if kind != "date-local" and i == len(fields) - 1:
            key.append(int(((f or "") + "000000000")[:9]))
        else:
            key.append(int(f))
    key.append(offset)
    return tuple(key)


def same_float(want, have):
    if FLOAT_RE.match(have) is None:
        return False
    if want.lstrip("+-") == "nan" or have.lstrip("+-") == "nan":
        return want.lstrip("+-") == have.lstrip("+-")
    return float(want) == float(have)


def same_scalar(kind, want, have):
    if kind == "float":
        return same_float(want, have)
    if kind == "integer":
        return INT_RE.match(have) is not None and int(want) == int(have)
    if kind in DATETIME_RES:
        want_key = datetime_key(kind, want)
        if want_key is None:
            raise Mismatch("expected value %r is not a %s" % (want, kind))
        return want_key == datetime_key(kind, have)
    return want == have


def compare(want, have, path):
    if is_tagged(want):
        if not is_tagged(have):
            raise Mismatch("%s: expected %s, got %s"
                           % (where(path), show(want), show(have)))
        if (want["type"] != have["type"]
                or not same_scalar(want["type"], want["value"],
                                   have["value"])):
            raise Mismatch("%s: expected %s, got %s"
                           % (where(path), show(want), show(have)))
    elif isinstance(want, dict):
        if not isinstance(have, dict) or is_tagged(have):
            raise Mismatch("%s: expected a table, got %s"
                           % (where(path), show(have)))
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        if missing or extra:
            raise Mismatch("%s: keys missing %s, unexpected %s"
                           % (where(path), show(missing), show(extra)))
        for k in want:
            compare(want[k], have[k], path + [k])
    elif isinstance(want, list):
        if not isinstance(have, list):
            raise Mismatch("%s: expected an array, got %s"
                           % (where(path), show(have)))
        if len(want) != len(have):
            raise Mismatch("%s: expected %d elements, got %d: %s"
                           % (where(path), len(want), len(have), show(have)))
        for i, (w, h) in enumerate(zip(want, have)):
            compare(w, h, path + ["[%d]" % i])
    else:
        raise Mismatch("%s: expected JSON has a bare %s"
                       % (where(path), show(want)))


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise Mismatch("decoder output repeats key %r" % k)
        seen[k] = v
    return seen


def no_constant(name):
    raise Mismatch("decoder output holds a bare %s" % name)


def load_output(path):
    """The decoder's output, held to strict JSON: valid UTF-8, no repeated
    keys, no NaN or Infinity literals."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Mismatch("decoder output is not UTF-8: %s" % e)
    try:
        return json.loads(text, object_pairs_hook=no_duplicates,
                          parse_constant=no_constant)
    except ValueError as e:
        raise Mismatch("decoder output is not JSON: %s" % e)


def check_case(expected_path, output_path):
    with open(expected_path, "rb") as f:
        want = json.loads(f.read().decode("utf-8"))
    compare(want, load_output(output_path), [])


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: compare.py MANIFEST\n")
        return 2
    failed = 0
    total = 0
    with open(argv[1], encoding="utf-8") as manifest:
        for line in manifest:
            name, expected_path, output_path = line.rstrip("\n").split("\t")
            total += 1
            try:
                check_case(expected_path, output_path)
            except Mismatch as e:
                failed += 1
                print("not ok - %s: %s" % (name, e))
    print("# compared: %d, %d differ" % (total, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
