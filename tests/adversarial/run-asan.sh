#!/bin/bash
# Run the adversarial suite (and the unit suite) against an ASan build of
# librax in its own build dir; the runtime announces its stack switches to
# ASan (fiber annotations in runtime_inproc.c).
# Usage: tests/adversarial/run-asan.sh [BUILD_DIR]   (default /tmp/rax-build-asan)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/rax-build-asan}
if [[ -f "$build/build.ninja" ]]; then
	meson setup --reconfigure "$build" "$src" >/dev/null
else
	meson setup -Db_sanitize=address -Db_lundef=false "$build" "$src" >/dev/null
fi
ninja -C "$build" -j2 tests/adversarial/test_adversarial tests/unit/test_loader \
	tests/unit/rt_relocs.o tests/unit/rt_runtime.o tests/unit/rt_range.o \
	$(cd "$build" && ninja -t targets all | grep -o '^tests/adversarial/[a-z_]*\.rax\.o\|^tests/adversarial/adv_fault\.o' | sort -u)
# ASan's own SIGSEGV/SIGBUS/SIGFPE handlers come first; librax chains to them.
export ASAN_OPTIONS=detect_leaks=1:allow_user_segv_handler=1:detect_stack_use_after_return=0
RAX_ADV_OBJDIR="$build/tests/adversarial" "$build/tests/adversarial/test_adversarial"
RAX_TEST_OBJDIR="$build/tests/unit" "$build/tests/unit/test_loader"
