#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Every noun and command that raxtool's help mentions exists.

usage: test_help.py RAXTOOL
"""
import re
import sys

from clitest import check, finish, run

raxtool = sys.argv[1]

rc, top, err = run(raxtool, 'help')
check(rc == 0, 'raxtool help exits 0')
rc, dash_h, err = run(raxtool, '-h')
check(rc == 0 and dash_h == top, 'raxtool -h prints the same help')

m = re.search(r'NOUN := \{([^}]*)\}', top)
check(m is not None, 'help lists the nouns')
nouns = [n.strip() for n in m[1].split('|')] if m else []
check({'object', 'prog', 'map'} <= set(nouns), f'nouns include object, prog, map ({nouns})')

for noun in nouns:
    rc, out, err = run(raxtool, noun, 'help')
    check('unknown command' not in err, f'{noun} is a noun')
    if noun == 'build':
        continue  # build.c has its own help layout (owned by the build command)
    cmds = re.findall(rf'raxtool {noun} (\w+)', out)
    check(len(cmds) >= 2, f'{noun} help lists commands ({cmds})')
    rc, out_h, err = run(raxtool, '-h', noun)
    check(rc == 0 and out_h == out, f'raxtool -h {noun} = raxtool {noun} help')
    for cmd in cmds:
        if cmd == 'help':
            continue
        # Without arguments a real command fails with its own message.
        rc, out, err = run(raxtool, noun, cmd)
        check('unknown command' not in err and err.startswith('Error: '),
              f'"{noun} {cmd}" from help is a command (stderr {err!r})')
        # ...and every keyword its synopsis names is accepted by the parser.
    # Keywords in the synopsis are known to the parser.
    for line in re.findall(rf'raxtool {noun} .*', out):
        parts = line.split()
        cmd = parts[2]
        for kw in re.findall(r'\[?([a-z_]+) (?:[A-Z]+|maps)\]?', line):
            if kw in (noun, cmd):
                continue
            rc, o, err = run(raxtool, noun, cmd, '/nonexistent', kw)
            check(f"unknown keyword '{kw}'" not in err,
                  f'"{noun} {cmd}" accepts keyword {kw} from help ({err!r})')

finish()
