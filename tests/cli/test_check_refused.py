#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""raxtool object check on objects librax refuses to open (a forbidden
import, an R_X86_64_32S relocation, data posing as a program): the gate's
findings are still listed with their rule ids, plain and under -j; and a
finding in code with DWARF line tables names its source line.

usage: test_check_refused.py RAXTOOL IMPORT_OBJ RELOC32S_OBJ DATAPROG_OBJ LINES_OBJ
"""
import sys

from clitest import check, finish, parse_json, run

raxtool = sys.argv[1]
expected = [(sys.argv[2], 'import.unknown', 'commit_creds'),
            (sys.argv[3], 'elf.reloc', 'R_X86_64_32S'),
            (sys.argv[4], 'elf.prog', 'xdp_data')]

for obj, rule, needle in expected:
    rc, out, err = run(raxtool, '-j', 'object', 'check', obj)
    doc = parse_json(out, f'check -j {obj}') or {}
    findings = doc.get('findings', [])
    check(rc == 1 and doc.get('accepted') is False,
          f'{rule}: rejected, exit 1 (rc {rc}, {out!r})')
    check(any(f.get('rule') == rule and needle in f.get('message', '')
              for f in findings),
          f'{rule}: a finding names the rule and {needle!r} ({findings})')
    check('error' not in doc, f'{rule}: findings, not an open error ({doc})')

    rc, out, err = run(raxtool, 'object', 'check', obj)
    lines = out.splitlines()
    check(rc == 1 and any(line.startswith(f'{rule}: ') for line in lines)
          and lines[-1].endswith(f'rejected, {len(findings)} finding'
                                 f'{"s" if len(findings) != 1 else ""}'),
          f'{rule}: plain output lists it ({out!r})')

# lines_sse.S: movaps on `.loc 1 42` of src/lib.rs, in a Rust v0 symbol
rc, out, err = run(raxtool, '-j', 'object', 'check', sys.argv[5])
doc = parse_json(out, 'check -j lines') or {}
check(any(f.get('rule') == 'insn.sse' and f.get('function') == 'gate_test::helper'
          and f.get('source') == 'src/lib.rs:42'
          for f in doc.get('findings', [])),
      f'finding names the demangled function and the source line ({out!r})')
rc, out, err = run(raxtool, 'object', 'check', sys.argv[5])
check('insn.sse: gate_test::helper+0xa (src/lib.rs:42): SSE instruction' in out,
      f'plain finding shows function, offset and source ({out!r})')

finish()
