#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""End-to-end test of the xdp_counter sample.

Runs the C loader (librax + the Rax object) over a real capture and checks
every count it prints against counts derived independently from tshark's
dissection of the same capture.  Also checks that every frame returned
XDP_PASS and that bad inputs give an error exit.

usage: xdp_counter_test.py [--valgrind] LOADER OBJECT PCAP
"""

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

ETH_HLEN = 14
IPV4_MIN_HLEN = 20
IPV6_HLEN = 40
IPPROTO_TCP = 6
IPPROTO_UDP = 17

FIELDS = ["frame.cap_len", "eth.type", "ip.proto", "ip.hdr_len",
          "ip.frag_offset", "ipv6.nxt", "tcp.dstport", "udp.dstport"]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg)


def tshark_counts(pcap):
    """Count what xdp_counter should count, from tshark's dissection."""
    tshark = shutil.which("tshark")
    if not tshark:
        sys.exit("FAIL: tshark not found; it computes the expected counts "
                 "(install the Debian package 'tshark'; the project setup "
                 "script installs it)")
    cmd = [tshark, "-n", "-r", pcap,
           # Each frame on its own: no reassembly moving an L4 header
           # into a later fragment.
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-T", "fields", "-E", "occurrence=f", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, check=False)
    if res.returncode != 0:
        sys.exit("FAIL: tshark failed (%d): %s" % (res.returncode, res.stderr))

    stats = collections.Counter(total=0, ipv4=0, ipv6=0, other=0)
    protos = collections.Counter()
    ports = collections.Counter()
    for line in res.stdout.splitlines():
        # With occurrence=f every field is the outermost one: an ICMP error
        # quoting a UDP header yields ip.proto 1 plus the quoted
        # udp.dstport, which the program must not count.
        row = dict(zip(FIELDS, line.split("\t")))
        caplen = int(row["frame.cap_len"])
        etype = int(row["eth.type"], 16) if row["eth.type"] else None
        stats["total"] += 1
        proto = None
        l4_ok = False
        if etype == 0x0800:
            stats["ipv4"] += 1
            # The program counts a protocol only when the whole IPv4 header
            # (IHL words) was captured; tshark still shows fields of a cut
            # header, so apply that rule here.
            hlen = int(row["ip.hdr_len"]) if row["ip.hdr_len"] else 0
            if row["ip.proto"] and hlen >= IPV4_MIN_HLEN and \
                    caplen >= ETH_HLEN + hlen:
                proto = int(row["ip.proto"])
                l4_ok = int(row["ip.frag_offset"] or 0) == 0
        elif etype == 0x86DD:
            stats["ipv6"] += 1
            if row["ipv6.nxt"] and caplen >= ETH_HLEN + IPV6_HLEN:
                proto = int(row["ipv6.nxt"])
                l4_ok = True
        else:
            # ARP, 802.1Q (not parsed by the program), anything else.
            stats["other"] += 1
        if proto is None:
            continue
        protos[proto] += 1
        field = {IPPROTO_TCP: "tcp.dstport", IPPROTO_UDP: "udp.dstport"}.get(proto)
        if l4_ok and field and row[field]:
            ports[int(row[field])] += 1
    return stats, protos, ports


def run_loader(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)


def parse_plain(text):
    """Parse the loader's plain-text output into the JSON output's shape."""
    out = {"retvals": {}, "pkt_stats": {}, "proto_counts": {},
           "port_counts": {}}
    for line in text.splitlines():
        name, _, value = line.rpartition(": ")
        words = name.split(" ")
        if words == ["frames"]:
            out["frames"] = int(value)
        elif words[0] == "retval":
            out["retvals"][words[1]] = int(value)
        elif words[0] == "pkt_stats":
            out["pkt_stats"][words[1]] = int(value)
        elif words[0] == "proto":
            out["proto_counts"][words[1]] = int(value)
        elif words[0] == "dport":
            out["port_counts"][words[1]] = int(value)
        else:
            check(False, "unexpected plain output line: %r" % line)
    return out


def as_int_keys(d):
    return {int(k): v for k, v in d.items()}


def main():
    args = sys.argv[1:]
    valgrind = args[:1] == ["--valgrind"]
    if valgrind:
        args = args[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    loader, obj, pcap = args

    stats, protos, ports = tshark_counts(pcap)
    # The capture must exercise every path, or equal counts prove little.
    check(stats["ipv4"] and stats["ipv6"] and stats["other"],
          "capture lacks IPv4, IPv6 or other frames: %s" % dict(stats))
    for p in (1, IPPROTO_TCP, IPPROTO_UDP, 44, 58):
        check(protos[p] > 0, "capture has no frame of protocol %d" % p)

    prefix = []
    if valgrind:
        prefix = [shutil.which("valgrind") or "valgrind", "-q",
                  "--error-exitcode=99", "--leak-check=full",
                  "--errors-for-leak-kinds=definite,indirect"]
    res = run_loader(prefix + [loader, "--json", obj, pcap])
    if res.returncode != 0:
        sys.exit("FAIL: loader exited %d: %s" % (res.returncode, res.stderr))
    got = json.loads(res.stdout)

    check(got["frames"] == stats["total"],
          "frames run %d != frames in capture %d" % (got["frames"], stats["total"]))
    check(got["retvals"] == {"XDP_PASS": stats["total"]},
          "every frame must return XDP_PASS (2), got %s" % got["retvals"])
    check(got["pkt_stats"] == dict(stats),
          "PKT_STATS %s != tshark %s" % (got["pkt_stats"], dict(stats)))
    check(as_int_keys(got["proto_counts"]) == dict(protos),
          "PROTO_COUNTS %s != tshark %s" %
          (as_int_keys(got["proto_counts"]), dict(protos)))
    check(as_int_keys(got["port_counts"]) == dict(ports),
          "PORT_COUNTS %s != tshark %s" %
          (as_int_keys(got["port_counts"]), dict(ports)))

    res = run_loader(prefix + [loader, obj, pcap])
    check(res.returncode == 0, "plain run exited %d: %s" % (res.returncode, res.stderr))
    check(parse_plain(res.stdout) == got,
          "plain output disagrees with --json output:\n" + res.stdout)

    # Bad inputs: a clear message on stderr and a non-zero exit.
    with tempfile.TemporaryDirectory() as tmp:
        with open(pcap, "rb") as f:
            data = f.read()
        truncated = os.path.join(tmp, "truncated.pcap")
        with open(truncated, "wb") as f:
            f.write(data[:len(data) - 7])	# cut inside the last frame
        short_hdr = os.path.join(tmp, "short-header.pcap")
        with open(short_hdr, "wb") as f:
            f.write(data[:10])
        bad_cases = [
            ("missing pcap", [obj, os.path.join(tmp, "missing.pcap")]),
            ("truncated pcap", [obj, truncated]),
            ("pcap shorter than its header", [obj, short_hdr]),
            ("object given as pcap", [obj, obj]),
            ("missing object", [os.path.join(tmp, "missing.rax.o"), pcap]),
            ("pcap given as object", [pcap, pcap]),
            ("no arguments", []),
        ]
        for what, argv in bad_cases:
            res = run_loader(prefix + [loader] + argv)
            check(res.returncode not in (0, 99) and res.stderr.strip(),
                  "%s: want an error exit with a message, got %d, stderr %r"
                  % (what, res.returncode, res.stderr))
            check(res.stdout == "", "%s: printed counts: %r" % (what, res.stdout))

    if failures:
        sys.exit("%d check(s) failed" % len(failures))
    print("ok: %d frames, %d protocols, %d ports match tshark"
          % (stats["total"], len(protos), len(ports)))


if __name__ == "__main__":
    main()
