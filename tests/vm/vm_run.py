#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Boot Debian's kernel in qemu (TCG) with an initramfs holding rax.ko and
test binaries, run the tests and judge the run from the serial console.

The run fails on: a test that prints FAIL or exits non-zero, a test that
never reports, an oops / BUG / WARN / panic / RCU stall in the kernel log,
a taint other than O (out-of-tree) and E (unsigned module), or a hang
(the hard timeout).  Test binaries report with lines
    RAX-TEST: <name> PASS|FAIL [detail]
on stdout; the /init script adds one line per binary from its exit status.
"""

import argparse
import glob
import gzip
import io
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

BUSYBOX = '/bin/busybox'
# Taint bits that loading an unsigned out-of-tree module sets: O and E.
ALLOWED_TAINT = (1 << 12) | (1 << 13)
TAINT_LETTERS = 'PFSRMBUDAWCIOELKXT'

# Kernel log lines that fail a run whatever the tests said.
BAD_PATTERNS = [
    re.compile(r'\bOops\b'),
    re.compile(r'\bBUG[: ]'),
    re.compile(r'^\s*(\[[ \d.]+\]\s*)?WARNING:', re.M),
    re.compile(r'Kernel panic'),
    re.compile(r'general protection fault[,:]'),
    re.compile(r'rcu: INFO: .*stall'),
    re.compile(r'soft lockup'),
    re.compile(r'hung_task|blocked for more than'),
    re.compile(r'kernel BUG at'),
    re.compile(r'Call Trace:'),
    # An NMI nobody claimed: the watchdog's handler must claim its own.
    re.compile(r'NMI received for unknown reason'),
]

INIT_SCRIPT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp /sys/fs/bpf
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
echo "RAX-VM: booted $(uname -r)"
if [ -f /rax.ko ]; then
	if insmod /rax.ko @MODPARAMS@; then
		echo "RAX-TEST: insmod PASS"
	else
		echo "RAX-TEST: insmod FAIL"
	fi
fi
run_test() {
	t=$1
	shift
	echo "RAX-VM: running $t"
	/tests/$t "$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "RAX-TEST: $t PASS"
	else
		echo "RAX-TEST: $t FAIL exit status $rc"
	fi
}
@RUN_TESTS@
if [ -f /rax.ko ]; then
	if rmmod rax; then
		echo "RAX-TEST: rmmod PASS"
	else
		echo "RAX-TEST: rmmod FAIL"
	fi
fi
echo "RAX-DMESG-BEGIN"
dmesg
echo "RAX-DMESG-END"
echo "RAX-TAINT: $(cat /proc/sys/kernel/tainted)"
echo "RAX-VM: done"
sync
poweroff -f
'''


class Cpio:
    """Minimal writer of the newc cpio format the kernel unpacks."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.seen = set()

    def _entry(self, name, mode, data=b'', nlink=1):
        name_b = name.encode() + b'\0'
        hdr = '070701' + ''.join('%08x' % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0,
            len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b'\0' * ((4 - (110 + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b'\0' * ((4 - len(data) % 4) % 4))

    def mkdir(self, path):
        path = path.strip('/')
        parts = path.split('/')
        for i in range(1, len(parts) + 1):
            d = '/'.join(parts[:i])
            if d and d not in self.seen:
                self.seen.add(d)
                self._entry(d, stat.S_IFDIR | 0o755, nlink=2)

    def add_file(self, path, data, mode=0o755):
        path = path.strip('/')
        if path in self.seen:
            return
        self.mkdir(os.path.dirname(path))
        self.seen.add(path)
        self._entry(path, stat.S_IFREG | mode, data)

    def add_symlink(self, path, target):
        path = path.strip('/')
        self.mkdir(os.path.dirname(path))
        self.seen.add(path)
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return self.buf.getvalue()


def shared_libs(binary):
    """Libraries (and the loader) a dynamic binary needs, from ldd."""
    try:
        out = subprocess.run(['ldd', binary], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return []
    libs = []
    for line in out.splitlines():
        m = re.search(r'(/\S+)\s+\(0x', line)
        if m and os.path.exists(m.group(1)):
            libs.append(m.group(1))
    return libs


def add_host_file(cpio, host_path, guest_path=None, mode=0o755):
    guest_path = guest_path or host_path
    real = os.path.realpath(host_path)
    with open(real, 'rb') as f:
        cpio.add_file(guest_path, f.read(), mode)


def build_initramfs(args, tests):
    cpio = Cpio()
    cpio.mkdir('bin')
    cpio.mkdir('sbin')
    cpio.mkdir('tests')
    add_host_file(cpio, BUSYBOX, '/bin/busybox')
    runs = '\n'.join(' '.join(['run_test', n] + [shlex.quote(a) for a in
                                                   args.test_args.get(n, [])])
                     for n, _ in tests)
    init = INIT_SCRIPT.replace('@RUN_TESTS@', runs)
    init = init.replace('@MODPARAMS@', ' '.join(args.modparam))
    cpio.add_file('init', init.encode())
    if args.module:
        add_host_file(cpio, args.module, '/rax.ko', 0o644)
    binaries = []
    for name, path in tests:
        add_host_file(cpio, path, '/tests/' + name)
        binaries.append(path)
    for spec in args.file:
        src, _, dst = spec.partition('=')
        add_host_file(cpio, src, dst or src)
        binaries.append(src)
    for b in binaries:
        for lib in shared_libs(b):
            add_host_file(cpio, lib, lib)
    return gzip.compress(cpio.finish(), compresslevel=1)


def default_kernel():
    imgs = sorted(glob.glob('/boot/vmlinuz-6.1.*-amd64'))
    return imgs[-1] if imgs else None


def judge(log, tests, expect_module):
    """Return a list of failure reasons for the console log."""
    problems = []
    results = {}
    for m in re.finditer(r'^RAX-TEST: (\S+) (PASS|FAIL)(.*)$', log, re.M):
        name, verdict = m.group(1), m.group(2)
        if verdict == 'FAIL':
            problems.append('test %s failed:%s' % (name, m.group(3)))
        results.setdefault(name, []).append(verdict)
    needed = [n for n, _ in tests]
    if expect_module:
        needed = ['insmod'] + needed + ['rmmod']
    for n in needed:
        if n not in results:
            problems.append('test %s never reported' % n)
    for pat in BAD_PATTERNS:
        m = pat.search(log)
        if m:
            line = log[log.rfind('\n', 0, m.start()) + 1:
                       log.find('\n', m.end())]
            problems.append('kernel log: %s' % line.strip())
    m = re.search(r'^RAX-TAINT: (\d+)', log, re.M)
    if not m:
        problems.append('no taint report (hang or crash before the end)')
    else:
        taint = int(m.group(1))
        bad = taint & ~ALLOWED_TAINT
        if bad:
            letters = ''.join(TAINT_LETTERS[i] for i in range(len(TAINT_LETTERS))
                              if bad & (1 << i))
            problems.append('unexpected taint %#x (%s)' % (bad, letters))
    if 'RAX-VM: done' not in log:
        problems.append('VM did not reach the end of /init')
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--kernel', default=default_kernel(),
                    help='bzImage to boot (default: newest /boot/vmlinuz-6.1.*)')
    ap.add_argument('--module', help='rax.ko to insmod before the tests')
    ap.add_argument('--modparam', action='append', default=[],
                    help='module parameter name=value (repeatable)')
    ap.add_argument('--test', action='append', default=[],
                    help='NAME=PATH of a test binary (repeatable, run in order)')
    ap.add_argument('--file', action='append', default=[],
                    help='HOSTPATH[=GUESTPATH] extra file (libraries copied too)')
    ap.add_argument('--timeout', type=int, default=240,
                    help='hard limit of the whole VM run in seconds')
    ap.add_argument('--log', help='write the console log here')
    ap.add_argument('--qemu', default='qemu-system-x86_64')
    ap.add_argument('--smp', default='2')
    ap.add_argument('--append', default='console=ttyS0 panic=-1 oops=panic quiet',
                    help='kernel command line (e.g. drop quiet to see backtraces)')
    ap.add_argument('--test-args', action='append', default=[],
                    metavar='NAME=ARGS',
                    help='command-line arguments of test NAME (shell words)')
    ap.add_argument('--qemu-arg', action='append', default=[],
                    help='extra qemu argument (repeatable; write --qemu-arg=-accel '
                    'for one starting with a dash)')
    args = ap.parse_args()
    test_args = {}
    for spec in args.test_args:
        name, _, words = spec.partition('=')
        test_args.setdefault(name, []).extend(shlex.split(words))
    args.test_args = test_args

    if not args.kernel or not os.path.exists(args.kernel):
        print('vm_run: no kernel image (need linux-image-amd64 6.1)')
        return 77
    if not shutil.which(args.qemu):
        print('vm_run: %s not found (package qemu-system-x86)' % args.qemu)
        return 77
    tests = []
    for spec in args.test:
        name, sep, path = spec.partition('=')
        if not sep:
            name, path = os.path.basename(spec), spec
        tests.append((name, path))

    with tempfile.TemporaryDirectory(prefix='rax-vm-') as tmp:
        initrd = os.path.join(tmp, 'initrd.cpio.gz')
        with open(initrd, 'wb') as f:
            f.write(build_initramfs(args, tests))
        cmd = [args.qemu, '-kernel', args.kernel, '-initrd', initrd,
               '-m', '512M', '-smp', args.smp, '-nographic', '-no-reboot',
               '-append', args.append] + args.qemu_arg
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        timed_out = False
        try:
            out, _ = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            out, _ = proc.communicate()
        elapsed = time.monotonic() - start

    log = out.decode('utf-8', 'replace').replace('\r', '')
    if args.log:
        with open(args.log, 'w') as f:
            f.write(log)
    problems = judge(log, tests, bool(args.module))
    if timed_out:
        problems.insert(0, 'timeout after %d s (hang)' % args.timeout)
    # The test output, without the kernel log dump, for the meson log.
    sys.stdout.write(log.split('RAX-DMESG-BEGIN')[0])
    if problems:
        print('\nvm_run: FAIL (%.1f s)' % elapsed)
        for p in problems:
            print('  - ' + p)
        if 'RAX-DMESG-BEGIN' in log:
            print(log.split('RAX-DMESG-BEGIN')[1].split('RAX-DMESG-END')[0][-6000:])
        return 1
    print('\nvm_run: PASS (%.1f s)' % elapsed)
    return 0


if __name__ == '__main__':
    sys.exit(main())
