#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Build and run the eBPF-vs-Rax test-run benchmark of xdp_counter.
#
# usage: bench/test_run_xdp/run.sh [BUILD_DIR] [bench options]
#   BUILD_DIR      meson build directory (default: build/ in the source tree)
#   bench options  passed on: --repeat N, --rounds R, --frame K|all
#   RAX_OBJ=path   use this Rax object instead of the one the build made
# Needs root (bpf() and BPF_PROG_TEST_RUN for the eBPF side).
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
	build=$1
	shift
fi

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src"
fi
# Whole build: the Rax object comes from the samples' cargo step.
ninja -C "$build" -j2

paths=$build/bench/test_run_xdp/bench-paths.sh
if [ ! -f "$paths" ]; then
	echo "run.sh: $paths missing: the build has no benchmark (libbpf or clang not found?)" >&2
	exit 1
fi
. "$paths"
rax_obj=${RAX_OBJ:-$BENCH_RAX_OBJ}
if [ -z "$rax_obj" ]; then
	echo "run.sh: the build made no xdp_counter Rax object; set RAX_OBJ=<path>" >&2
	exit 1
fi

exec "$BENCH_RUNNER" "$@" "$rax_obj" "$BENCH_BPF_OBJ" "$BENCH_PCAP"
