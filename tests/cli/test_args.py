#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""raxtool argument parsing and errors; needs no Rax object.

usage: test_args.py RAXTOOL ABI_H
"""
import os
import re
import sys
import tempfile

from clitest import check, expect_error, finish, parse_json, run

raxtool, abi_h = sys.argv[1], sys.argv[2]

with open(abi_h) as f:
    abi_version = int(re.search(r'#define RAX_ABI_VERSION (\d+)', f.read())[1])

with tempfile.TemporaryDirectory() as tmp:
    text_file = os.path.join(tmp, 'notelf.txt')
    with open(text_file, 'w') as f:
        f.write('not an object\n')
    missing = os.path.join(tmp, 'missing.o')
    frame = os.path.join(tmp, 'frame.bin')
    with open(frame, 'wb') as f:
        f.write(bytes(64))

    # Commands and nouns
    expect_error(raxtool, [], 'missing command', 'no command')
    expect_error(raxtool, ['frobnicate'], "unknown command 'frobnicate'",
                 'unknown noun')
    expect_error(raxtool, ['object', 'frob'], "unknown command 'frob'",
                 'unknown object command')
    expect_error(raxtool, ['object'], "missing command for 'object'",
                 'noun without command')
    expect_error(raxtool, ['--frob'], "unknown option '--frob'",
                 'unknown long option')
    expect_error(raxtool, ['-z', 'version'], "unknown option", 'unknown short option')

    # After the noun, an unknown "-x" belongs to the command (build -o FILE)
    expect_error(raxtool, ['prog', 'run', missing, 'data_in', frame, '-z', '1'],
                 "unknown keyword '-z'", 'command-level dash argument')
    rc, out, err = run(raxtool, '-jz', 'version')
    check(rc == 1 and out == '' and "unknown option '-jz'" in err,
          'a bad option group sets none of its options')
    rc, out, err = run(raxtool, '-jp', 'version')
    check(rc == 0 and parse_json(out, '-jp') is not None and '\n    ' in out,
          'grouped short options')

    # Prefix matching reaches the right command: its own error proves it.
    expect_error(raxtool, ['o', 's'], 'missing object FILE', 'prefix "o s"')
    expect_error(raxtool, ['obj', 'ch'], 'missing object FILE', 'prefix "obj ch"')
    expect_error(raxtool, ['p', 'r', missing, 'data_in', frame], 'No such file',
                 'prefix "p r"')
    expect_error(raxtool, ['m', 'd'], 'missing object FILE', 'prefix "m d"')

    # Files
    for cmd in (['object', 'show'], ['object', 'check'], ['map', 'dump'],
                ['prog', 'run']):
        extra = ['data_in', frame] if cmd[0] == 'prog' else []
        name = ' '.join(cmd)
        expect_error(raxtool, cmd + [missing] + extra, 'No such file',
                     f'{name}: missing file')
        expect_error(raxtool, cmd + [text_file] + extra, 'not an ELF file',
                     f'{name}: non-ELF file')
        expect_error(raxtool, cmd + [tmp] + extra, 'directory',
                     f'{name}: directory')

    # Keywords (checked before the object is opened)
    expect_error(raxtool, ['prog', 'run', missing], "needs 'data_in FILE'",
                 'prog run without data_in')
    expect_error(raxtool, ['prog', 'run', missing, 'data_in'],
                 "keyword 'data_in' needs a value", 'keyword without value')
    expect_error(raxtool, ['prog', 'run', missing, 'data_in', frame, 'bogus', '1'],
                 "unknown keyword 'bogus'", 'unknown keyword')
    expect_error(raxtool, ['prog', 'run', missing, 'data_in', frame,
                           'data_in', frame],
                 "keyword 'data_in' given twice", 'repeated keyword')
    for bad in ('abc', '-1', '12x', '4294967296', ''):
        expect_error(raxtool, ['prog', 'run', missing, 'data_in', frame,
                               'repeat', bad],
                     f"bad number '{bad}' for repeat", f'repeat {bad!r}')
    expect_error(raxtool, ['prog', 'run', missing, 'data_in', frame, 'show', 'x'],
                 "unknown value 'x' for 'show'", 'show with bad value')
    expect_error(raxtool, ['map', 'dump', missing, 'data_in', frame],
                 "'data_in' needs 'run PROG'", 'map dump data_in without run')
    expect_error(raxtool, ['map', 'dump', missing, 'run', 'p'],
                 "'run' needs 'data_in FILE'", 'map dump run without data_in')
    expect_error(raxtool, ['map', 'dump', missing, 'name'],
                 "keyword 'name' needs a value", 'map dump name without value')
    expect_error(raxtool, ['object', 'check', missing, 'bogus'],
                 "unknown keyword 'bogus'", 'object check unknown keyword')
    expect_error(raxtool, ['object', 'show', missing, 'extra'],
                 "unexpected argument 'extra'", 'object show extra argument')
    expect_error(raxtool, ['version', 'extra'], 'takes no arguments',
                 'version with argument')

    # Version, plain and JSON, against the header's value
    for args in (['version'], ['-V'], ['--version'], ['v']):
        rc, out, err = run(raxtool, *args)
        check(rc == 0 and f'ABI v{abi_version}' in out and out.startswith('raxtool v'),
              f'{args}: plain version names the ABI version (got {out!r})')
    rc, out, err = run(raxtool, '-j', 'version')
    doc = parse_json(out, '-j version')
    check(rc == 0 and doc and doc.get('abi_version') == abi_version
          and isinstance(doc.get('version'), str),
          f'-j version: {{"version", "abi_version": {abi_version}}} (got {out!r})')

    # -p implies -j and pretty-prints
    rc, out, err = run(raxtool, '-p', 'version')
    doc = parse_json(out, '-p version')
    check(rc == 0 and doc and doc.get('abi_version') == abi_version
          and out.count('\n') > 2, f'-p version is multi-line JSON (got {out!r})')
    rc, out, err = run(raxtool, '--pretty', 'frob')
    doc = parse_json(out, '--pretty error')
    check(rc == 1 and doc and 'error' in doc, '--pretty error is JSON')

    # Options after the command are accepted too
    rc, out, err = run(raxtool, 'version', '--json')
    check(rc == 0 and parse_json(out, 'version --json') is not None,
          'option after the command')

    # Help commands print nothing but null under -j
    for args in (['help'], ['object', 'help'], ['prog', 'help'], ['map', 'help']):
        rc, out, err = run(raxtool, '-j', *args)
        check(rc == 0 and out.strip() == 'null', f'-j {args}: null (got {out!r})')

finish()
