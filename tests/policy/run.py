#!/usr/bin/env python3
"""Build-policy corpus: each crate under reject/ must fail `raxtool build`
with the named rule; each crate under accept/ must build and pass the gate.

usage: run.py RAXTOOL TARGET_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# crate -> (extra raxtool build arguments, rule that must be reported)
REJECT = {
    "unsafe_block": ([], "policy.unsafe"),
    "foreign_macro_unsafe": (["allow-dep", "evilmacro"], "policy.unsafe"),
    "foreign_link_section": (["allow-dep", "evilmacro"], "policy.attribute"),
    "unlisted_dependency": ([], "policy.dependency"),
    "feature_gate": ([], "policy.feature"),
    "inline_asm": ([], "policy.asm"),
    "mem_forget": ([], "policy.forget"),
    "floating_point": ([], "policy.float"),
    "uses_alloc": ([], "policy.no_std"),
    "own_link_section": ([], "policy.attribute"),
    "build_script": ([], "policy.dependency"),
}

ACCEPT = {
    "readme_example": [],
    "allowed_dep": ["allow-dep", "tidy"],
}


def build(raxtool, target_dir, crate_dir, extra, out):
    cmd = [raxtool, "build", crate_dir, "output", out, "target-dir", target_dir] + extra
    return subprocess.run(cmd, capture_output=True, text=True)


def readme_matches():
    readme = open(os.path.join(HERE, "..", "..", "README.md")).read()
    m = re.search(r"## What an extension looks like\n\n```rust\n(.*?)```", readme, re.S)
    src = open(os.path.join(HERE, "accept", "readme_example", "src", "lib.rs")).read()
    return m is not None and src.split("\n", 1)[1] == m.group(1)


def main():
    raxtool, target_dir = sys.argv[1], sys.argv[2]
    failures = 0
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for crate, (extra, rule) in sorted(REJECT.items()):
            out = os.path.join(tmp, crate + ".rax.o")
            r = build(raxtool, target_dir, os.path.join(HERE, "reject", crate), extra, out)
            ok = r.returncode != 0 and rule in r.stderr and not os.path.exists(out)
            ok = ok and "Error:" in r.stderr
            print(f"{'ok' if ok else 'FAIL'}: reject/{crate}: expect {rule}")
            if not ok:
                failures += 1
                print(f"  exit {r.returncode}\n  stderr:\n{r.stderr}")
            else:
                passed += 1
        for crate, extra in sorted(ACCEPT.items()):
            out = os.path.join(tmp, crate + ".rax.o")
            r = build(raxtool, target_dir, os.path.join(HERE, "accept", crate), extra, out)
            ok = r.returncode == 0 and os.path.exists(out)
            if ok:
                chk = subprocess.run([raxtool, "object", "check", out], capture_output=True, text=True)
                ok = chk.returncode == 0
                if not ok:
                    print(chk.stdout, chk.stderr)
            print(f"{'ok' if ok else 'FAIL'}: accept/{crate}")
            if not ok:
                failures += 1
                print(f"  exit {r.returncode}\n  stderr:\n{r.stderr}")
            else:
                passed += 1
        # cargo reuses cached crates without running rustc (and the wrapper):
        # tidy, just compiled for accept/allowed_dep with `allow-dep tidy`,
        # must still be refused for a crate that did not allow it.
        out = os.path.join(tmp, "cached.rax.o")
        r = build(raxtool, target_dir, os.path.join(HERE, "reject", "unlisted_dependency"), [], out)
        ok = r.returncode != 0 and "policy.dependency" in r.stderr and not os.path.exists(out)
        print(f"{'ok' if ok else 'FAIL'}: reject/unlisted_dependency after tidy is cached")
        if ok:
            passed += 1
        else:
            failures += 1
            print(f"  exit {r.returncode}\n  stderr:\n{r.stderr}")
    if readme_matches():
        passed += 1
        print("ok: README example is the accept/readme_example crate")
    else:
        failures += 1
        print("FAIL: README example and accept/readme_example/src/lib.rs differ")
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
