#![no_std]
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
struct Guard(u32);
rax::xdp! {
    fn prog(_ctx: &mut XdpContext) -> XdpAction {
        core::mem::forget(Guard(1));
        XdpAction::Pass
    }
}
