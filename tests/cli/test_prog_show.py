#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""raxtool prog show FILE [run PROG data_in F [repeat N]] on adversarial
objects: runtime stats in plain text and JSON, aborts by cause, argument
errors.

usage: test_prog_show.py RAXTOOL OOB_OBJECT LOOP_OBJECT
"""
import os
import sys
import tempfile

from clitest import check, expect_error, finish, parse_json, run

raxtool, oob, loop = sys.argv[1], sys.argv[2], sys.argv[3]
CAUSES = ['panic', 'timeout', 'stack', 'fault']

with tempfile.TemporaryDirectory() as tmp:
    trigger = os.path.join(tmp, 'trigger.bin')
    normal = os.path.join(tmp, 'normal.bin')
    with open(trigger, 'wb') as f:
        f.write(bytes([1, 200]) + bytes(62))   # adv_oob: index 200 of 4
    with open(normal, 'wb') as f:
        f.write(bytes(64))

    # No run: loaded, nothing counted.
    rc, out, err = run(raxtool, '-j', 'prog', 'show', oob)
    doc = parse_json(out, 'show without run')
    check(rc == 0, f'show without run: exit 0 (got {rc}, {err!r})')
    progs = doc and doc.get('programs')
    check(isinstance(progs, list) and len(progs) == 1
          and progs[0]['name'] == 'adv_oob' and progs[0]['run_cnt'] == 0
          and progs[0]['aborts'] == {c: 0 for c in CAUSES}
          and progs[0]['last_abort'] == '',
          f'show without run: one program, zero counters (got {progs})')
    check('run' not in (doc or {}), 'show without run: no "run" member')

    # A panicking run: one panic abort, the message, the aborted result.
    rc, out, err = run(raxtool, '-j', 'prog', 'show', oob, 'run', 'adv_oob',
                       'data_in', trigger)
    doc = parse_json(out, 'show run (panic)')
    check(rc == 0, f'show run (panic): exit 0 (got {rc})')
    if doc:
        check(doc['run'] == {'name': 'adv_oob', 'retval': 0},
              f'show run (panic): XDP_ABORTED (got {doc["run"]})')
        p = doc['programs'][0]
        check(p['run_cnt'] == 1 and p['aborts']['panic'] == 1
              and sum(p['aborts'].values()) == 1,
              f'show run (panic): one run, one panic (got {p})')
        check('index out of bounds' in p['last_abort']
              and 'src/lib.rs:' in p['last_abort'],
              f'show run (panic): file:line and message (got {p["last_abort"]!r})')

    # Normal runs with repeat: counted, no abort.
    rc, out, err = run(raxtool, '-j', 'prog', 'show', oob, 'run', 'adv_oob',
                       'data_in', normal, 'repeat', '7')
    doc = parse_json(out, 'show run repeat')
    if doc:
        p = doc['programs'][0]
        check(doc['run']['retval'] == 2 and p['run_cnt'] == 7
              and sum(p['aborts'].values()) == 0 and p['missed'] == 0,
              f'show run repeat 7: 7 runs, XDP_PASS, no abort (got {doc})')

    # A run stuck in a loop ends with a timeout and sampled run time.
    rc, out, err = run(raxtool, '-j', 'prog', 'show', loop, 'run', 'adv_loop',
                       'data_in', trigger)
    doc = parse_json(out, 'show run (timeout)')
    if doc:
        p = doc['programs'][0]
        check(p['aborts']['timeout'] == 1 and 'budget' in p['last_abort'],
              f'show run (timeout): one timeout (got {p})')
        check(p['run_time_ns'] > 0,
              f'show run (timeout): the watchdog sampled run time (got {p["run_time_ns"]})')

    # Plain text carries the same facts.
    rc, out, err = run(raxtool, 'prog', 'show', oob, 'run', 'adv_oob', 'data_in',
                       trigger)
    check(rc == 0 and 'ran adv_oob, return value 0' in out
          and 'aborts: panic 1 timeout 0 stack 0 fault 0' in out
          and 'last abort: src/lib.rs:' in out,
          f'plain show: run line, aborts, last abort (got {out!r})')

    expect_error(raxtool, ['prog', 'show', oob, 'data_in', normal],
                 "need 'run PROG'", 'data_in without run')
    expect_error(raxtool, ['prog', 'show', oob, 'run', 'adv_oob'],
                 "needs 'data_in FILE'", 'run without data_in')
    expect_error(raxtool, ['prog', 'show', oob, 'run', 'nope', 'data_in', normal],
                 "program 'nope' not found", 'unknown program')
    expect_error(raxtool, ['prog', 'show', oob, 'run', 'adv_oob', 'data_in', normal,
                           'repeat', 'x'], 'repeat', 'bad repeat')

finish()
