#![no_std]
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn prog(_ctx: &mut XdpContext) -> XdpAction {
        unsafe { core::arch::asm!("cli") };
        XdpAction::Pass
    }
}
