#!/bin/bash
# Install into a scratch DESTDIR, build a consumer from the installed
# headers and pkg-config file alone, and run it on the sample object.
# usage: run.sh BUILD_DIR SAMPLE_OBJECT
set -euo pipefail
build=$1 obj=$2
here=$(cd "$(dirname "$0")" && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
pcdir=$(dirname "$(find "$dest" -name librax.pc | head -n 1)")
[[ -f $pcdir/librax.pc ]] || { echo "FAIL: no librax.pc installed"; exit 1; }
for h in librax.h rax.h abi.h; do
	[[ -n $(find "$dest" -path "*/include/rax/$h") ]] || { echo "FAIL: rax/$h not installed"; exit 1; }
done
[[ -n $(find "$dest" -path "*/share/rax/rust/rax-kernel-crate/src/lib.rs") ]] ||
	{ echo "FAIL: the rax crate is not installed"; exit 1; }

flags=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs librax)
cc -std=c11 -Wall -Wextra -Werror "$here/consumer.c" -o "$dest/consumer" $flags
out=$(LD_LIBRARY_PATH=$(dirname "$(find "$dest" -name 'librax.so' | head -n 1)") "$dest/consumer" "$obj")
echo "$out"
[[ $out == "retval 2" ]] || { echo "FAIL: expected 'retval 2' (XDP_PASS)"; exit 1; }
echo "1 passed, 0 failed"
