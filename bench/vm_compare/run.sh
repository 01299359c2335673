#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Rax in the kernel vs eBPF, in qemu boots of Debian's 6.1 kernel: the
# empty XDP program and xdp_counter under rax.ko's test-run and under
# BPF_PROG_TEST_RUN, same packet, same repeat; prints ns/run and ratios per
# boot, then the median ratio over the boots.  Several boots because every
# boot places the kernel and the module elsewhere (KASLR), and under TCG
# placement moves both sides' figures (qemu's TLB and jump cache).
#
# usage: bench/vm_compare/run.sh [BUILD_DIR] [REPEAT [ROUNDS [BOOTS]]]
#   BUILD_DIR  meson build directory (default: build/ in the source tree)
#   REPEAT     runs per test-run call (default 200000), ROUNDS per side (7),
#   BOOTS      VM boots (9)
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build
if [ $# -gt 0 ] && [ -d "$1" ]; then
	build=$1
	shift
fi
repeat=${1:-200000}
rounds=${2:-7}
boots=${3:-9}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src"
fi
ninja -C "$build" -j2

paths=$build/bench/vm_compare/vm-compare-paths.sh
if [ ! -f "$paths" ]; then
	echo "run.sh: $paths missing: the build has no VM benchmark (rax.ko, qemu, clang or the VM tests' static link missing?)" >&2
	exit 1
fi
. "$paths"

# The runner's arguments travel in a wrapper script (vm_run.py runs
# /tests/<name> without arguments).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexec /bin/bench_vm_compare %s %s\n' "$repeat" "$rounds" > "$tmp/compare"
chmod +x "$tmp/compare"

boot=1
while [ "$boot" -le "$boots" ]; do
	python3 "$VM_RUN" --kernel "$VM_KERNEL" --module "$RAX_KO" --timeout 580 \
		--test "compare=$tmp/compare" \
		--file "$RUNNER=/bin/bench_vm_compare" \
		--file "$RAX_EMPTY_OBJ=/objs/bench_progs.o" \
		--file "$RAX_COUNTER_OBJ=/objs/xdp_counter.rax.o" \
		--file "$BPF_COUNTER_OBJ=/objs/xdp_counter.bpf.o" \
		--log "$tmp/console.log" > "$tmp/out.txt" || {
		cat "$tmp/out.txt"
		exit 1
	}
	echo "boot $boot:"
	grep '^BENCH:' "$tmp/console.log" | sed 's/^BENCH: /  /' | tee -a "$tmp/all.txt"
	boot=$((boot + 1))
done

# Median over the boots of each program's median-based ratio (the verdict
# line of each boot) and of its best-round ratio.
echo "over $boots boots:"
for prog in empty xdp_counter; do
	for kind in median best; do
		if [ "$kind" = median ]; then
			pick='$0 !~ /best round/'
		else
			pick='$0 ~ /best round/'
		fi
		awk -v prog="$prog" "\$1 == prog && $pick { for (i = 1; i < NF; i++) if (\$i == \"ratio\") print \$(i + 1) }" \
			"$tmp/all.txt" | sort -n |
			awk -v prog="$prog" -v kind="$kind" '{ v[NR] = $1 }
				END { if (NR) printf "  %-12s ratio (%s rounds) median %.3f, range %.3f-%.3f\n", prog, kind,
					NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
	done
done
