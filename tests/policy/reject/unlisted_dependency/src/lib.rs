#![no_std]
// tidy is harmless, but not allowed with `allow-dep tidy`.
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn prog(_ctx: &mut XdpContext) -> XdpAction {
        let _ = tidy::bump(1);
        XdpAction::Pass
    }
}
