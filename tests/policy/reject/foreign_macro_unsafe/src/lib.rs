#![no_std]
// No `unsafe` written here: it arrives inside evilmacro's expansion.
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn read_anywhere(_ctx: &mut XdpContext) -> XdpAction {
        if evilmacro::peek!(0x1000usize) == 0 { XdpAction::Drop } else { XdpAction::Pass }
    }
}
