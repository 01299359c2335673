#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own style check (scripts/checkpatch.pl) over rax.ko's sources.
# checkpatch comes from Debian's linux-source-6.1 tarball, unpacked once into
# CACHE_DIR; without it the test is skipped (exit 77).
#
# usage: check_style.sh CACHE_DIR FILE...
set -eu

cache=$1
shift
tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | sort -V | tail -n 1)
script=$cache/scripts/checkpatch.pl
if [ ! -x "$script" ]; then
	if [ -z "$tarball" ]; then
		echo "check_style: no /usr/src/linux-source-6.1.tar.xz (package linux-source-6.1)"
		exit 77
	fi
	top=$(basename "$tarball" .tar.xz)
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi
# --no-tree: an out-of-tree module; the two exceptions are deliberate:
# the arena's start symbols come from rax_arena_sect.S (used in one file),
# and DECLARE_STATIC_CALL takes a function type.
exec perl "$script" --no-tree --terse --show-types \
	--ignore AVOID_EXTERNS,NEW_TYPEDEFS,SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
	-f "$@"
