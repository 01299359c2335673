#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Re-create xdp_counter.pcap: a real tcpdump capture on the loopback device
# of a private network namespace while this script generates genuine
# traffic.  The committed capture is what the tests use; this script
# documents how it was made (a new run gives different ports and timings).
#
# Usage (root): samples/xdp_counter/make-capture.sh [output.pcap]
#
# Traffic: HTTP over TCP (python3 http.server + curl, IPv4 and IPv6), UDP
# to open and closed ports (the closed ones make the kernel answer with
# ICMP/ICMPv6 port unreachable, which embed the offending headers), ICMP
# and ICMPv6 echo, one UDP datagram per family larger than the MTU (IPv4
# fragments; IPv6 fragment extension headers) and a few hand-built frames
# injected with an AF_PACKET socket: ARP, an 802.1Q-tagged IPv4 frame, a
# local-experimental ethertype and two frames cut short inside the IPv4 and
# IPv6 headers.
set -eu

out=${1:-$(dirname "$0")/xdp_counter.pcap}
case $out in /*) ;; *) out=$PWD/$out ;; esac

if [ "${RAX_CAPTURE_IN_NETNS:-}" != 1 ]; then
	# A private netns: nothing else's loopback traffic leaks in, and lo can
	# get an Ethernet-like MTU so large datagrams fragment.
	exec unshare -n env RAX_CAPTURE_IN_NETNS=1 sh "$0" "$out"
fi

ip link set lo up
ip link set lo mtu 1500

work=$(mktemp -d)
trap 'kill $(cat "$work"/pids 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
: >"$work/pids"

# -U: write each packet as it arrives, so SIGINT loses nothing.
tcpdump -i lo -U -w "$out" -c 1000 -s 262144 2>"$work/tcpdump.log" &
echo $! >>"$work/pids"
tcpdump_pid=$!
sleep 1

mkdir "$work/www"
printf 'hello from rax\n' >"$work/www/index.html"
head -c 3000 /dev/zero | tr '\0' 'x' >"$work/www/big.txt"
(cd "$work/www" && exec python3 -m http.server --bind 127.0.0.1 8080 \
	>/dev/null 2>&1) &
echo $! >>"$work/pids"
(cd "$work/www" && exec python3 -m http.server --bind ::1 8443 \
	>/dev/null 2>&1) &
echo $! >>"$work/pids"
sleep 1

for path in / /big.txt /missing / /big.txt /; do
	curl -s -o /dev/null "http://127.0.0.1:8080$path"
done
for path in / /big.txt / /missing; do
	curl -s -o /dev/null "http://[::1]:8443$path"
done

python3 - <<'EOF'
import socket, struct, time

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

# TCP with plain sockets: an echo service on 9000 (v4) and 9001 (v6), and
# a closed port (9002) that answers SYN with RST.
def echo_once(family, addr):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(addr)
    srv.listen(1)
    cli = socket.create_connection(addr[:2])
    conn, _ = srv.accept()
    for i in range(3):
        cli.sendall(b"ping %d" % i)
        conn.sendall(conn.recv(100))
        cli.recv(100)
    cli.close()
    conn.close()
    srv.close()

echo_once(socket.AF_INET, ("127.0.0.1", 9000))
echo_once(socket.AF_INET6, ("::1", 9001, 0, 0))
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        socket.create_connection((host, 9002)).close()
    except ConnectionRefusedError:
        pass

# UDP: a listener on 5353 (v4) and 7777 (v6); 53, 9999 and 4444 are closed
# and draw port-unreachable errors.
rx4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx4.bind(("127.0.0.1", 5353))
rx6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
rx6.bind(("::1", 7777))
tx4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(8):
    tx4.sendto(b"query %d" % i, ("127.0.0.1", 5353))
    tx6.sendto(b"v6 datagram %d" % i, ("::1", 7777))
for port in (53, 123, 9999):
    tx4.sendto(b"nobody listens", ("127.0.0.1", port))
    time.sleep(0.05)
for port in (4444, 547):
    tx6.sendto(b"nobody listens", ("::1", port))
    time.sleep(0.05)
# Larger than the 1500-byte MTU: fragmented by the sender.
tx4.sendto(b"F" * 3000, ("127.0.0.1", 5353))
tx6.sendto(b"G" * 3000, ("::1", 7777))

# ICMP echo (what ping does), three per family; the kernel answers.
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
for seq in range(1, 4):
    body = struct.pack("!HH", 0x4242, seq) + b"rax-echo"
    hdr = struct.pack("!BBH", 8, 0, 0) + body
    icmp.sendto(struct.pack("!BBH", 8, 0, csum(hdr)) + body, ("127.0.0.1", 0))
    # The kernel fills in the ICMPv6 checksum for raw ICMPv6 sockets.
    icmp6.sendto(struct.pack("!BBH", 128, 0, 0) + body, ("::1", 0))
    time.sleep(0.05)

# Hand-built frames on lo: zero MACs like every loopback frame.
pkt = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
pkt.bind(("lo", 0))
mac = b"\0" * 6
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + \
    socket.inet_aton("127.0.0.1") + mac + socket.inet_aton("127.0.0.2")
pkt.send(mac + mac + struct.pack("!H", 0x0806) + arp)
udp = struct.pack("!HHHH", 40000, 6000, 8 + 4, 0) + b"vlan"
ip4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                  socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"))
ip4 = ip4[:10] + struct.pack("!H", csum(ip4)) + ip4[12:]
pkt.send(mac + mac + struct.pack("!HH", 0x8100, 5) + struct.pack("!H", 0x0800) +
         ip4 + udp)
pkt.send(mac + mac + struct.pack("!H", 0x88B5) + b"local experimental" * 2)
pkt.send(mac + mac + struct.pack("!H", 0x0800) + b"\x45\0\0\x54\0\0")
pkt.send(mac + mac + struct.pack("!H", 0x86DD) + b"\x60" + b"\0" * 15)
time.sleep(0.5)
EOF

sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
cat "$work/tcpdump.log" >&2
