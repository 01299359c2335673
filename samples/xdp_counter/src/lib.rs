//! xdp_counter: counts packets per IP protocol and per TCP/UDP destination
//! port, in safe Rust.  Every frame is passed on (XDP_PASS).
//!
//! Maps (read them with `raxtool map dump` or the C loader):
//! - PKT_STATS[0] all frames, [1] IPv4, [2] IPv6, [3] other EtherTypes
//! - PROTO_COUNTS[protocol]  IPv4 protocol / IPv6 next header
//! - PORT_COUNTS[port]       TCP/UDP destination port (first fragments only)
#![no_std]

use rax::maps::{Array, HashMap, UpdateFlags};
use rax::net::{Tcp, Udp, ETH_P_IP, ETH_P_IPV6, IPPROTO_TCP, IPPROTO_UDP};
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");

rax::map!(static PKT_STATS: Array<u64> = Array::with_max_entries(4););
rax::map!(static PROTO_COUNTS: HashMap<u32, u64> = HashMap::with_max_entries(256););
rax::map!(static PORT_COUNTS: HashMap<u32, u64> = HashMap::with_max_entries(1024););

const STAT_ALL: u32 = 0;
const STAT_IPV4: u32 = 1;
const STAT_IPV6: u32 = 2;
const STAT_OTHER: u32 = 3;

// The helpers below are inlined, like the eBPF version's (__always_inline):
// a call and its return cost more than their own work.

#[inline(always)]
fn bump_stat(index: u32) {
    if let Some(counter) = PKT_STATS.get_ref(index) {
        counter.fetch_add(1);
    }
}

/// Add one to `map[key]`, creating the entry on first sight.  Two CPUs may
/// race to create it: the loser's NOEXIST insert fails and it adds to the
/// winner's entry instead.
#[inline(always)]
fn bump(map: &HashMap<u32, u64>, key: u32) {
    if let Some(counter) = map.get_ref(&key) {
        counter.fetch_add(1);
        return;
    }
    if map.insert(&key, &1, UpdateFlags::NoExist).is_err() {
        if let Some(counter) = map.get_ref(&key) {
            counter.fetch_add(1);
        }
    }
}

#[inline(always)]
fn count_l4(protocol: u8, l4: &[u8]) {
    let dst_port = match protocol {
        IPPROTO_TCP => Tcp::parse(l4).map(|tcp| tcp.dst_port()),
        IPPROTO_UDP => Udp::parse(l4).map(|udp| udp.dst_port()),
        _ => None,
    };
    if let Some(port) = dst_port {
        bump(&PORT_COUNTS, u32::from(port));
    }
}

rax::xdp! {
    fn xdp_counter(ctx: &mut XdpContext) -> XdpAction {
        bump_stat(STAT_ALL);
        let Some(eth) = ctx.eth() else {
            return XdpAction::Pass;
        };
        match eth.ether_type() {
            ETH_P_IP => {
                bump_stat(STAT_IPV4);
                if let Some(ip) = ctx.ipv4() {
                    bump(&PROTO_COUNTS, u32::from(ip.protocol()));
                    if ip.frag_offset() == 0 {
                        count_l4(ip.protocol(), ip.payload());
                    }
                }
            }
            ETH_P_IPV6 => {
                bump_stat(STAT_IPV6);
                if let Some(ip) = ctx.ipv6() {
                    bump(&PROTO_COUNTS, u32::from(ip.next_header()));
                    count_l4(ip.next_header(), ip.payload());
                }
            }
            _ => bump_stat(STAT_OTHER),
        }
        XdpAction::Pass
    }
}
