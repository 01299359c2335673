#!/usr/bin/env python3
"""librax's exported symbols are exactly the LIBRAX_API functions of the
public headers, all under the LIBRAX_1.0 version node: nothing internal
leaks out of the shared library and nothing declared is missing.

usage: exports.py LIBRAX_SO HEADER...
"""
import re
import subprocess
import sys


def declared(headers):
    names = set()
    for h in headers:
        text = open(h).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
        for m in re.finditer(r"\bLIBRAX_API\b([^;{]*?)\(", text, re.S):
            ident = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(1))
            if ident and ident[-1] != "LIBRAX_API":
                names.add(ident[-1])
    return names


def exported(so):
    out = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                         text=True, check=True).stdout
    names, versions = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[1] == "A":
            continue
        name, _, version = parts[2].partition("@@")
        names.add(name)
        versions.add(version)
    return names, versions


def main():
    so, headers = sys.argv[1], sys.argv[2:]
    want = declared(headers)
    have, versions = exported(so)
    failures = 0
    for name in sorted(want - have):
        print(f"FAIL: declared LIBRAX_API but not exported: {name}")
        failures += 1
    for name in sorted(have - want):
        print(f"FAIL: exported but not a LIBRAX_API declaration: {name}")
        failures += 1
    if versions != {"LIBRAX_1.0"}:
        print(f"FAIL: symbol versions {sorted(versions)}, expected only LIBRAX_1.0")
        failures += 1
    if len(want) < 40:
        print(f"FAIL: only {len(want)} declarations found: is the header parser broken?")
        failures += 1
    passed = len(want & have)
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
