#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks vm_run.judge() on made-up console logs: every failure the harness
promises to catch is caught, and a clean log passes."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vm_run  # noqa: E402

TESTS = [('t', '/tests/t')]
CLEAN = '\n'.join([
    'RAX-VM: booted 6.1.0-56-amd64',
    'RAX-TEST: insmod PASS',
    'RAX-TEST: t PASS',
    'RAX-TEST: rmmod PASS',
    'RAX-DMESG-BEGIN',
    '[    3.48] rax: loading out-of-tree module taints kernel.',
    'RAX-DMESG-END',
    'RAX-TAINT: 12288',
    'RAX-VM: done',
])

CASES = {
    'failing test': CLEAN.replace('RAX-TEST: t PASS', 'RAX-TEST: t FAIL boom'),
    'missing test': CLEAN.replace('RAX-TEST: t PASS\n', ''),
    'oops': CLEAN.replace('RAX-DMESG-END', 'BUG: unable to handle page fault\nRAX-DMESG-END'),
    'warn': CLEAN.replace('RAX-DMESG-END',
                          '[    4.1] WARNING: CPU: 1 PID: 7 at x.c:1 f+0x1/0x2\nRAX-DMESG-END'),
    'gpf': CLEAN.replace('RAX-DMESG-END',
                         'general protection fault, probably for non-canonical\nRAX-DMESG-END'),
    'rcu stall': CLEAN.replace('RAX-DMESG-END',
                               'rcu: INFO: rcu_preempt self-detected stall on CPU\nRAX-DMESG-END'),
    'unknown nmi': CLEAN.replace('RAX-DMESG-END',
                                 'Uhhuh. NMI received for unknown reason 2c on CPU 0.\nRAX-DMESG-END'),
    'bad taint (W)': CLEAN.replace('RAX-TAINT: 12288', 'RAX-TAINT: %d' % (12288 | 512)),
    'hang': CLEAN.split('RAX-TAINT')[0],
    'rmmod failed': CLEAN.replace('RAX-TEST: rmmod PASS', 'RAX-TEST: rmmod FAIL'),
}


def main():
    bad = 0
    problems = vm_run.judge(CLEAN, TESTS, True)
    if problems:
        print('clean log judged failing: %s' % problems)
        bad += 1
    for name, log in CASES.items():
        problems = vm_run.judge(log, TESTS, True)
        print('%-14s -> %s' % (name, problems or 'NOT CAUGHT'))
        if not problems:
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
