#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Generate a Rax test object's assembly with about N bytes of .text.

Usage: gen_text.py BYTES OUT.S   (prints the number of blocks)

The code is a chain of functions of 64 blocks each; a block is
    mov rdx, rdi; and edx, 0xff; cmp rdx, 100; ja 1f; add rax, rdx; 1: add rdi, 7
(the same logic ebpf_verify.c builds as eBPF); every function calls a helper
and two more functions (a call tree), so the gate sees branches, calls,
relocations and a large call graph whose depth (log2 of the function count)
keeps the stack bound within budget.
"""
import sys

BLOCK = """\tmov %rdi, %rdx
\tand $0xff, %edx
\tcmp $100, %rdx
\tja 1f
\tadd %rdx, %rax
1:\tadd $7, %rdi
"""
BLOCK_BYTES = 20          # measured with objdump on the assembled block
PER_FUNC = 64
FUNC_OVERHEAD = 40

def main():
    want, out = int(sys.argv[1]), sys.argv[2]
    funcs = max(1, want // (PER_FUNC * BLOCK_BYTES + FUNC_OVERHEAD))
    lines = ['#include "rax_obj.inc"']
    lines.append('\trax_func xdp, xdp_scale, 8')
    lines.append('\tpush %rbp\n\tmov %rsp, %rbp\n\tcall f0\n\tpop %rbp\n\tret')
    lines.append('\trax_endfunc xdp_scale')
    for i in range(funcs):
        lines.append(f'\trax_func .text, f{i}, 16, local')
        lines.append('\tpush %rbp\n\tmov %rsp, %rbp\n\tpush %rdi')
        lines.append('\tcall rax_ktime_get_ns@PLT\n\tpop %rdi')
        lines.extend([BLOCK] * PER_FUNC)
        for child in (2 * i + 1, 2 * i + 2):     # a call tree: depth log2(funcs)
            if child < funcs:
                lines.append(f'\tcall f{child}')
        lines.append('\tpop %rbp\n\tret')
        lines.append(f'\trax_endfunc f{i}')
    lines.append('\trax_std_meta')
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(funcs * PER_FUNC)     # blocks, for the eBPF twin

if __name__ == '__main__':
    main()
