#![no_std]
// A dependency allowed with `allow-dep tidy`, compiled under the same policy.
use rax::maps::Array;
use rax::xdp::{XdpAction, XdpContext};

rax::license!("GPL");
rax::map!(static TOTAL: Array<u64> = Array::with_max_entries(1););

rax::xdp! {
    fn tidy_counter(_ctx: &mut XdpContext) -> XdpAction {
        let next = tidy::bump(TOTAL.get(0).unwrap_or(0));
        let _ = TOTAL.set(0, &next);
        XdpAction::Pass
    }
}
