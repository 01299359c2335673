#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""raxtool object check/show and prog run on an object the gate rejects:
plain findings match the JSON ones, exit codes, and no run.

usage: test_check.py RAXTOOL OBJECT
"""
import os
import sys
import tempfile

from clitest import check, expect_error, finish, parse_json, run

raxtool, obj = sys.argv[1], sys.argv[2]

for extra in ([], ['reject-recursion']):
    rc, out, err = run(raxtool, '-j', 'object', 'check', obj, *extra)
    doc = parse_json(out, f'check -j {extra}') or {}
    findings = doc.get('findings', [])
    check(rc == 1 and doc.get('accepted') is False and len(findings) >= 1,
          f'check -j {extra}: rejected with findings, exit 1 ({out!r})')
    for f in findings:
        check(set(f) == {'rule', 'function', 'offset', 'source', 'message'}
              and isinstance(f['rule'], str) and f['rule']
              and isinstance(f['message'], str) and f['message']
              and isinstance(f['offset'], int),
              f'finding has rule, function, offset, source, message ({f})')

    rc, out, err = run(raxtool, 'object', 'check', obj, *extra)
    lines = out.splitlines()
    check(rc == 1 and len(lines) == len(findings) + 1,
          f'check plain: one line per finding plus a summary ({out!r})')
    for line, f in zip(lines, findings):
        where = f'{f["function"]}+0x{f["offset"]:x}' if f['function'] else ''
        check(line.startswith(f'{f["rule"]}: {where}') and
              line.endswith(f['message']) and
              (f['source'] is None or f' ({f["source"]})' in line),
              f'plain finding line matches JSON ({line!r})')
    n = len(findings)
    check(lines[-1] == f'{obj}: rejected, {n} finding{"s" if n != 1 else ""}',
          f'check summary line ({lines[-1]!r})')

rc, out, err = run(raxtool, '-j', 'object', 'show', obj)
doc = parse_json(out, 'show -j') or {}
check(rc == 0 and doc.get('check', {}).get('accepted') is False
      and doc['check'].get('findings') == n,
      f'object show reports the gate verdict ({doc.get("check")})')
check([p['name'] for p in doc.get('programs', [])] == ['xdp_no_meta'],
      'object show lists the program')

with tempfile.TemporaryDirectory() as tmp:
    frame = os.path.join(tmp, 'frame.bin')
    with open(frame, 'wb') as f:
        f.write(bytes(60))
    expect_error(raxtool, ['prog', 'run', obj, 'data_in', frame],
                 'rejected by the safety gate', 'prog run on a rejected object')

finish()
