#!/usr/bin/env python3
"""Parses `carbonation query` output with real parsers and compares it
with rows read from the catalog by its own client.

usage: query-check.py FORMAT OUTPUT EXPECTED

OUTPUT is what `query files --columns id,group_key,category --format
FORMAT` printed; EXPECTED has one line per row, "id|HEX(group_key)|HEX
(category)" (an empty HEX for NULL).  JSON and JSON Lines are read with
the json module (json: one array), CSV with the csv module, TSV by its
documented escapes.  A byte of a name that is not part of valid UTF-8
reaches JSON as \\u00NN (docs/reporting.md); it is read back as that
byte.  Exits 0 when every row matches, 1 with the differences."""
import csv
import io
import json
import re
import sys


def raw_json(text):
    # \u0080..\u00ff in our output stand for bytes outside valid UTF-8
    # (valid characters are written as they are): make them surrogate
    # escapes, which encode back to the byte.
    return re.sub(r'\\u00([89a-fA-F][0-9a-fA-F])',
                  lambda m: '\\udc' + m.group(1), text)


def to_bytes(s):
    return s.encode('utf-8', 'surrogateescape')


def rows_json(data, lines):
    text = data.decode('utf-8')
    if lines:
        objs = [json.loads(raw_json(line)) for line in text.split('\n') if line]
        if not text.endswith('\n'):
            raise ValueError('JSON Lines output does not end with a newline')
    else:
        objs = json.loads(raw_json(text))
        if not isinstance(objs, list):
            raise ValueError('JSON output is not one array')
    out = {}
    for o in objs:
        cat = o['category']
        out[o['id']] = (to_bytes(o['group_key']).hex().upper(),
                        '' if cat is None else to_bytes(cat).hex().upper())
    return out


def rows_csv(data):
    text = data.decode('utf-8', 'surrogateescape')
    reader = csv.reader(io.StringIO(text, newline=''), strict=True)
    header = next(reader)
    if header != ['id', 'group_key', 'category']:
        raise ValueError('CSV header is %r' % header)
    if not data.endswith(b'\r\n'):
        raise ValueError('CSV records do not end with CRLF')
    out = {}
    for r in reader:
        out[int(r[0])] = (to_bytes(r[1]).hex().upper(), to_bytes(r[2]).hex().upper())
    return out


def tsv_unescape(field):
    if field == '\\N':
        return None
    return re.sub(r'\\(.)', lambda m: {'t': '\t', 'n': '\n', 'r': '\r', '\\': '\\'}[m.group(1)], field)


def rows_tsv(data):
    text = data.decode('utf-8', 'surrogateescape')
    lines = text.split('\n')
    if lines[-1] != '':
        raise ValueError('TSV output does not end with a newline')
    if lines[0] != 'id\tgroup_key\tcategory':
        raise ValueError('TSV header is %r' % lines[0])
    out = {}
    for line in lines[1:-1]:
        f = [tsv_unescape(x) for x in line.split('\t')]
        if len(f) != 3:
            raise ValueError('TSV line %r has %d fields' % (line, len(f)))
        out[int(f[0])] = (to_bytes(f[1]).hex().upper(),
                          '' if f[2] is None else to_bytes(f[2]).hex().upper())
    return out


def main():
    fmt, output, expected = sys.argv[1:4]
    data = open(output, 'rb').read()
    if fmt == 'json':
        got = rows_json(data, False)
    elif fmt == 'jsonl':
        got = rows_json(data, True)
    elif fmt == 'csv':
        got = rows_csv(data)
    else:
        got = rows_tsv(data)
    want = {}
    for line in open(expected).read().split('\n'):
        if line:
            i, k, c = line.split('|')
            want[int(i)] = (k, c)
    if got != want:
        print('parsed:  %r\ncatalog: %r' % (sorted(got.items()), sorted(want.items())))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
