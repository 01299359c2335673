#!/bin/bash
# Gate time vs code size (4 KiB .. 4 MiB of generated .text), and the host
# kernel's eBPF verifier on eBPF programs with the same logic (same number
# of blocks), side by side.  A benchmark, not a test.
#
# Usage: bench/gate_scaling/run.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work="$build/bench/gate_scaling"
mkdir -p "$work"
llvm_config=$(command -v llvm-config-14 || command -v llvm-config)

ninja -C "$build" lib/librax.a >/dev/null || echo "warning: could not rebuild librax.a, using the last one" >&2
cc -O2 -std=c11 -D_GNU_SOURCE -DLIBRAX_API= -I"$root/include" -I"$root/lib" \
	"$here/gate_time.c" "$build/lib/librax.a" \
	$("$llvm_config" --ldflags --libs) -lelf -lz -lpthread -o "$work/gate_time"
have_bpf=0
if cc -O2 -std=c11 -D_GNU_SOURCE "$here/ebpf_verify.c" -lbpf -o "$work/ebpf_verify" 2>/dev/null &&
	"$work/ebpf_verify" 64 >/dev/null 2>&1 && ! "$work/ebpf_verify" 64 | grep -q refused; then
	have_bpf=1
fi

printf '%-8s %9s %8s %10s %9s %8s | %9s %12s %12s %8s\n' size text_B blocks gate_ms MB/s ns/B \
	ebpf_insns verifier_ms load_ms ratio
declare -A nsb
for kib in 4 16 64 100 256 1024 4096; do
	s="$work/text_${kib}k.S"
	blocks=$(python3 "$here/gen_text.py" $((kib * 1024)) "$s")
	cc -c -I"$root/tests/gate/objs" "$s" -o "$work/text_${kib}k.1.o"
	ld -r "$work/text_${kib}k.1.o" -o "$work/text_${kib}k.o"
	rep=5; [[ $kib -ge 1024 ]] && rep=3
	read -r bytes findings best median < <("$work/gate_time" "$work/text_${kib}k.o" $rep)
	if [[ $findings -ne 0 ]]; then
		echo "gate rejected the generated ${kib} KiB object ($findings findings)" >&2
		exit 1
	fi
	mbs=$(awk -v b="$bytes" -v t="$best" 'BEGIN { printf "%.1f", b / t / 1000 }')
	ns=$(awk -v b="$bytes" -v t="$best" 'BEGIN { printf "%.1f", t * 1e6 / b }')
	nsb[$kib]=$ns
	e_insns=-; e_ms=-; e_load=-; ratio=-
	if [[ $have_bpf -eq 1 ]]; then
		read -r e_insns e_us e_load _ < <("$work/ebpf_verify" "$blocks")
		if [[ "$e_us" == refused ]]; then
			e_ms="refused"; e_load="errno $e_load"
		else
			e_ms=$(awk -v u="$e_us" 'BEGIN { printf "%.3f", u / 1000 }')
			ratio=$(awk -v e="$e_ms" -v g="$best" 'BEGIN { printf "%.2fx", e / g }')
		fi
	fi
	printf '%-8s %9s %8s %10s %9s %8s | %9s %12s %12s %8s\n' "${kib}K" "$bytes" "$blocks" \
		"$best" "$mbs" "$ns" "$e_insns" "$e_ms" "$e_load" "$ratio"
done
echo
echo "gate ns/byte: 64K ${nsb[64]}, 4M ${nsb[4096]} (linear: about constant);" \
	"ratio = eBPF verification time / gate time for the same number of blocks."
echo "eBPF 'refused' = the kernel would not verify it (E2BIG/EFAULT: over 1M insns or" \
	"more than 8192 pending branches, 'the sequence of jumps is too complex')."
