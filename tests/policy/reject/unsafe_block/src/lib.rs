#![no_std]
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn read_anywhere(_ctx: &mut XdpContext) -> XdpAction {
        let v = unsafe { core::ptr::read_volatile(0x1000 as *const u8) };
        if v == 0 { XdpAction::Drop } else { XdpAction::Pass }
    }
}
