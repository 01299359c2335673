# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Shared helpers of the raxtool CLI tests: run raxtool, check results."""
import json
import subprocess
import sys

FAILURES = []


def run(raxtool, *args, stdin=None):
    """Run raxtool with args; return (exit code, stdout, stderr) as text."""
    p = subprocess.run([raxtool, *args], input=stdin, capture_output=True,
                       timeout=60)
    return (p.returncode, p.stdout.decode(errors='replace'),
            p.stderr.decode(errors='replace'))


def check(cond, what):
    """Record a failed expectation and keep going, so one run shows all."""
    if not cond:
        FAILURES.append(what)
        print(f'FAIL: {what}')
    else:
        print(f'ok: {what}')


def parse_json(text, what):
    """Parse one JSON document (json.loads rejects trailing garbage)."""
    try:
        return json.loads(text)
    except ValueError as e:
        check(False, f'{what}: output is not valid JSON ({e}): {text!r}')
        return None


def expect_error(raxtool, args, needle, what):
    """Plain and -j runs both fail with exit 1 and a message containing needle."""
    rc, out, err = run(raxtool, *args)
    check(rc == 1, f'{what}: exit code 1 (got {rc})')
    # librax warnings may come first; the error itself is one line.
    check(any(l.startswith('Error: ') and needle in l for l in err.splitlines()),
          f'{what}: stderr says "Error: ...{needle}..." (got {err!r})')
    check(out == '', f'{what}: nothing on stdout (got {out!r})')
    rc, out, err = run(raxtool, '-j', *args)
    check(rc == 1, f'{what} -j: exit code 1 (got {rc})')
    doc = parse_json(out, f'{what} -j')
    check(isinstance(doc, dict) and list(doc) == ['error']
          and needle in doc['error'],
          f'{what} -j: {{"error": "...{needle}..."}} on stdout (got {out!r})')
    check('Error:' not in err, f'{what} -j: no plain error on stderr')


def finish():
    if FAILURES:
        print(f'{len(FAILURES)} failure(s)')
        sys.exit(1)
    print('all passed')
