#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build rax.ko with kbuild from a copy of kmod/ (kbuild writes into M=).
# Usage: build_kmod.sh <kernel build tree> <kmod source dir> <include dir>
#                      <work dir> <output .ko>
set -eu
kdir=$1 src=$2 inc=$3 work=$4 out=$5

mkdir -p "$work"
# -p keeps timestamps so kbuild rebuilds only what changed.
cp -p "$src"/Kbuild "$src"/Makefile "$src"/*.c "$src"/*.h "$src"/*.S "$work"/
make -s -C "$kdir" M="$(cd "$work" && pwd)" RAX_INCLUDE="$(cd "$inc" && pwd)" modules
cp "$work"/rax.ko "$out"
