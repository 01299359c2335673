// Kept identical to README.md's example by tests/policy/run.py.
#![no_std]
use rax::maps::{Array, HashMap, UpdateFlags};
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static PACKETS: Array<u64> = Array::with_max_entries(1););
rax::map!(static PER_PROTO: HashMap<u32, u64> = HashMap::with_max_entries(256););

rax::xdp! {
    fn count(ctx: &mut XdpContext) -> XdpAction {
        if let Some(n) = PACKETS.get_ref(0) {
            n.fetch_add(1);
        }
        if let Some(ip) = ctx.ipv4() {
            let proto = u32::from(ip.protocol());
            match PER_PROTO.get_ref(&proto) {
                Some(n) => { n.fetch_add(1); }
                None => { let _ = PER_PROTO.insert(&proto, &1, UpdateFlags::NoExist); }
            }
        }
        XdpAction::Pass
    }
}
