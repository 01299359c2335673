#!/bin/bash
# Build the libFuzzer harness over librax's ELF reader + safety gate with
# clang (-fsanitize=fuzzer,address,undefined, outside meson's flags) and run
# it for a bounded time on a seed corpus of the test objects.  A crash input
# is kept in tests/fuzz/regressions/ (replayed by the 'gate' unit test) and
# fails the run.
#
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [SEED_OBJECT...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [SECONDS] [SEED...]}" && pwd)
secs=${2:-60}
shift 2 || shift $#

work="$build/fuzz"
mkdir -p "$work/corpus" "$work/artifacts"
llvm_config=$(command -v llvm-config-14 || command -v llvm-config)

clang -g -O1 -std=c11 -D_GNU_SOURCE -fno-strict-aliasing \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-DLIBRAX_API= -I"$root/include" -I"$root/lib" -I"$("$llvm_config" --includedir)" \
	"$root"/lib/gate_*.c "$root/lib/elf_reader.c" "$root/lib/helper_table.c" \
	"$root/lib/log.c" "$root/lib/opts.c" "$root/lib/demangle_rust.c" \
	"$here/fuzz_gate.c" \
	$("$llvm_config" --ldflags --libs) -lelf -lz -lpthread \
	-o "$work/fuzz_gate"

# seeds: the gate corpus and unit-test objects of this build (incl. DWARF 4/5
# line tables), symbol/text seeds for the demangler, regressions, any given
find "$build/tests" -name '*.o' -size -2M ! -path '*.p/*' -exec cp {} "$work/corpus/" \; 2>/dev/null || true
for s in "$@"; do cp "$s" "$work/corpus/"; done
cp "$here"/regressions/* "$here"/seeds/* "$work/corpus/" 2>/dev/null || true

rm -f "$work"/artifacts/*
set +e
"$work/fuzz_gate" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" 2>"$work/fuzz.log"
rc=$?
set -e
tail -n 15 "$work/fuzz.log"
found=0
for a in "$work"/artifacts/*; do
	[[ -e "$a" ]] || continue
	cp "$a" "$here/regressions/$(basename "$a")"
	echo "fuzz: kept $(basename "$a") in tests/fuzz/regressions/"
	found=1
done
if [[ $rc -ne 0 || $found -ne 0 ]]; then
	echo "fuzz: FAILED (exit $rc)"
	exit 1
fi
echo "fuzz: no crash in ${secs}s"
